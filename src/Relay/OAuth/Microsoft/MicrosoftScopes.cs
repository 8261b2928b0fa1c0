using Relay.Accounts;

namespace Relay.OAuth.Microsoft;

/// <summary>
/// The permissions a Microsoft account asks for, per transport. Delegated (a person's consent; MSAL adds
/// <c>openid profile offline_access</c>): <c>SMTP.Send</c> of Exchange Online, or Graph's <c>Mail.Send</c>. App-only
/// (client credentials): the resource's <c>.default</c>, which carries the application permissions an administrator
/// granted (<c>SMTP.SendAsApp</c>, or Graph's <c>Mail.Send</c>).
/// </summary>
internal static class MicrosoftScopes
{
    public const string SmtpSend = "https://outlook.office.com/SMTP.Send";
    public const string GraphMailSend = "https://graph.microsoft.com/Mail.Send";
    public const string SmtpApp = "https://outlook.office365.com/.default";
    public const string GraphApp = "https://graph.microsoft.com/.default";

    /// <summary>The delegated scope of <paramref name="transport"/>.</summary>
    public static string Delegated(AccountTransport transport) => transport == AccountTransport.Graph ? GraphMailSend : SmtpSend;

    /// <summary>The app-only scope of <paramref name="transport"/>.</summary>
    public static string AppOnly(AccountTransport transport) => transport == AccountTransport.Graph ? GraphApp : SmtpApp;

    /// <summary>
    /// What the person also consents to in the same authorization: SMTP.Send for a Graph account whose large messages
    /// go by SMTP (one refresh token then gives tokens for both resources).
    /// </summary>
    public static IReadOnlyList<string> AlsoConsented(Account account) =>
        account is { Transport: AccountTransport.Graph, LargeMessagesBySmtp: true } ? [SmtpSend] : [];
}
