using System.Net;

namespace Relay.Accounts;

/// <summary>An account as the relay uses it: its settings with the shared Google client filled in, and its routing rules parsed.</summary>
internal sealed record Account(
    string Name,
    string? Address,
    IReadOnlyList<string> Aliases,
    AccountTransport Transport,
    string? ClientId,
    string? ClientSecret,
    string? RefreshToken,
    string? ServiceAccountKeyFile,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> Senders,
    IReadOnlyList<IPNetwork> Networks)
{
    /// <summary>The name the single-account configuration (<c>Relay:Account</c>, <c>Relay:Google</c>) maps to.</summary>
    public const string DefaultName = "default";

    public const string GmailSendScope = "https://www.googleapis.com/auth/gmail.send";
    public const string FullMailScope = "https://mail.google.com/";

    /// <summary>Google, or Microsoft (Microsoft 365, Outlook.com).</summary>
    public AccountProvider Provider { get; init; } = AccountProvider.Google;

    /// <summary>Microsoft: the Entra ID tenant (<c>organizations</c>, <c>consumers</c>, or a tenant ID or domain); null for Google.</summary>
    public string? Tenant { get; init; }

    /// <summary>Microsoft: the app sends with its own credentials (client credentials), with no person's consent.</summary>
    public bool AppOnly { get; init; }

    /// <summary>Microsoft app-only: the certificate file (PEM or PKCS#12) the app proves itself with, instead of the client secret.</summary>
    public string? CertificateFile { get; init; }

    /// <summary>Microsoft Graph: messages over Graph's request limit go by SMTP instead of being refused at DATA.</summary>
    public bool LargeMessagesBySmtp { get; init; }

    /// <summary>This account's own sending limits; null: <c>Relay:Quota</c>.</summary>
    public Outbound.QuotaOptions? Quota { get; init; }

    public bool IsMicrosoft => Provider == AccountProvider.Microsoft;

    /// <summary>"Google" or "Microsoft", for the sentences that name who holds the account.</summary>
    public string ProviderName => IsMicrosoft ? "Microsoft" : "Google";

    /// <summary>True when the transport sends to the header recipients (the Gmail API, Microsoft Graph), not to an envelope.</summary>
    public bool SendsToHeaderRecipients => Transport is AccountTransport.GmailApi or AccountTransport.Graph;

    /// <summary>True for the account the single-account configuration makes (its files keep their names from before several accounts).</summary>
    public bool IsDefaultName => string.Equals(Name, DefaultName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The record's text (in a log scope, an assertion message) leaves the client secret and the refresh token out.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Provider = {Provider}, Address = {Address}, Transport = {Transport}, ClientId = {ClientId}, ServiceAccountKeyFile = {ServiceAccountKeyFile}, Tenant = {Tenant}, AppOnly = {AppOnly}, CertificateFile = {CertificateFile}");
        return true;
    }

    /// <summary>
    /// The name of one of this account's files in the data folder: <paramref name="stem"/>.<paramref name="extension"/>
    /// for the account named <c>default</c> (the names of every relay before several accounts, so an upgrade finds them),
    /// <paramref name="stem"/>.NAME.<paramref name="extension"/> for any other.
    /// </summary>
    public static string FileName(string account, string stem, string extension) =>
        string.Equals(account, DefaultName, StringComparison.OrdinalIgnoreCase) ? $"{stem}.{extension}" : $"{stem}.{account.ToLowerInvariant()}.{extension}";

    /// <summary>The command that authorizes this account from a terminal.</summary>
    public string AuthorizeCommand => IsDefaultName ? "relay authorize" : $"relay authorize --account {Name}";

    /// <summary>The Gmail scope this account's transport needs (the authorization adds <c>openid email</c>).</summary>
    public string Scope => Transport == AccountTransport.GmailApi ? GmailSendScope : FullMailScope;
}
