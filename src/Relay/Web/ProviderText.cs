using Relay.Accounts;
using Relay.OAuth.Microsoft;

namespace Relay.Web;

/// <summary>The words of the pages and the commands for an account's provider: Google's, or Microsoft's (Entra ID).</summary>
internal static class ProviderText
{
    /// <summary>What sends without a person's authorization: a Google service account, or a Microsoft app's own credentials.</summary>
    public static string NothingToAuthorize(Account account) => account.IsMicrosoft
        ? $"The account '{account.Name}' sends with the app's own credentials given in configuration (AppOnly): there is nothing to authorize or revoke here."
        : $"The account '{account.Name}' sends with a service account given in configuration: there is nothing to authorize or revoke here.";

    public static string MissingClient(Account account) => account.IsMicrosoft
        ? "Give the Application (client) ID and the client secret value of your Entra ID app registration (Entra ID → App registrations → the app: Overview, and Certificates & secrets)."
        : "Give the client ID and the client secret of your Google OAuth client (Google Cloud console → Clients).";

    /// <summary>After a revocation: what happened to <paramref name="address"/>'s authorization.</summary>
    public static string Revoked(Account account, string? address) => account.IsMicrosoft
        ? $"{address} was forgotten by the relay. {MicrosoftWords.RemoveConsent}."
        : $"{address} was revoked at Google and forgotten.";

    /// <summary>Beside the Revoke button.</summary>
    public static string RevokeExplained(Account account) => account.IsMicrosoft
        ? $"Revoking forgets the account here. {OAuth.Microsoft.MicrosoftWords.RemoveConsent}."
        : "Revoking asks Google to cancel the relay's access and forgets the account here.";

    /// <summary>The upstream the account sends through, for the status page.</summary>
    public static string SendsThrough(Account account, string smtpHost) => account.Transport switch
    {
        AccountTransport.GmailApi => "the Gmail API (HTTPS, send-only access)",
        AccountTransport.Graph => "Microsoft Graph (HTTPS, sendMail)" + (account.LargeMessagesBySmtp ? $"; large messages by SMTP ({smtpHost}, XOAUTH2)" : ""),
        _ when account.IsMicrosoft => $"SMTP ({smtpHost}, XOAUTH2)",
        _ => "SMTP (smtp.gmail.com, XOAUTH2)",
    };
}
