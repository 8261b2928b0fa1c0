namespace Relay.Accounts;

/// <summary>How an account's mail leaves the relay.</summary>
internal enum AccountTransport
{
    /// <summary>smtp.gmail.com with XOAUTH2; needs the restricted scope https://mail.google.com/.</summary>
    Smtp,

    /// <summary>The Gmail API's messages.send over HTTPS; needs only the sensitive scope gmail.send.</summary>
    GmailApi,

    /// <summary>Microsoft Graph's sendMail with the MIME message over HTTPS (Mail.Send); a request is capped at 4 MB.</summary>
    Graph,
}

/// <summary>Who the account belongs to: Google (Gmail, Google Workspace) or Microsoft (Microsoft 365, Outlook.com).</summary>
internal enum AccountProvider
{
    Google,
    Microsoft,
}

/// <summary><c>Relay:Accounts</c>: the accounts mail goes out as, each with its routing rules.</summary>
internal sealed class AccountsOptions
{
    public const string Section = "Relay";

    public List<AccountSettings> Accounts { get; set; } = [];
}

/// <summary><c>Relay:Routing</c>: what happens to a message no account's rule routes.</summary>
internal sealed class RoutingOptions
{
    public const string Section = "Relay:Routing";

    /// <summary>The account that takes a message no rule routes; none: such a message is refused at RCPT.</summary>
    public string? Default { get; set; }
}

/// <summary>One entry of <c>Relay:Accounts</c>.</summary>
internal sealed class AccountSettings
{
    /// <summary>Names the account in logs, metrics, commands and its token file: letters, digits, '.', '_', '-'.</summary>
    public string Name { get; set; } = "";

    /// <summary>The mailbox (Google account, Microsoft 365 or Outlook.com mailbox); header From and envelope MAIL FROM become this address.</summary>
    public string? Address { get; set; }

    /// <summary>Verified Gmail "send mail as" aliases, or Microsoft "Send As" addresses: a From with one of these is left as it is.</summary>
    public List<string> Aliases { get; set; } = [];

    public AccountProvider Provider { get; set; } = AccountProvider.Google;

    public AccountTransport Transport { get; set; } = AccountTransport.Smtp;

    /// <summary>This account's OAuth client (Google) or app registration's application ID (Microsoft); empty: the one in <c>Relay:Google</c> or <c>Relay:Microsoft</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>Secret: give it through the environment or a file, never in a committed appsettings.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// A refresh token for <see cref="Address"/>, given instead of authorizing on the page (from another tool, or a secret
    /// store). Secret: give it through the environment or a file. An authorization made on the page takes precedence.
    /// </summary>
    public string? RefreshToken { get; set; }

    /// <summary>Google Workspace only: a service account's JSON key with domain-wide delegation; it acts as <see cref="Address"/>.</summary>
    public string? ServiceAccountKeyFile { get; set; }

    /// <summary>
    /// Microsoft only: the Entra ID tenant to sign in with: <c>organizations</c> (any work or school account, the
    /// default), <c>consumers</c> (Outlook.com), or the tenant's ID or domain (required for <see cref="AppOnly"/>).
    /// Empty: <c>Relay:Microsoft:Tenant</c>.
    /// </summary>
    public string? Tenant { get; set; }

    /// <summary>
    /// Microsoft only: the app sends as <see cref="Address"/> with its own credentials (client credentials: the
    /// <see cref="ClientSecret"/> or <see cref="CertificateFile"/>), with no person's consent; needs an admin's grant.
    /// </summary>
    public bool AppOnly { get; set; }

    /// <summary>Microsoft app-only: a PEM (certificate and private key) or PKCS#12 file the app proves itself with, instead of a client secret.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>Microsoft Graph only: messages over Graph's 4 MB request limit go by smtp.office365.com (needs the SMTP permission too) instead of being refused at DATA.</summary>
    public bool LargeMessagesBySmtp { get; set; }

    /// <summary>This account's sending limits; empty: <c>Relay:Quota</c>, whose preset follows the provider (Microsoft365 for Microsoft).</summary>
    public Outbound.QuotaOptions? Quota { get; set; }

    /// <summary>Routing: local AUTH user names whose mail goes out as this account.</summary>
    public List<string> Users { get; set; } = [];

    /// <summary>Routing: original senders (envelope MAIL FROM or header From), as addresses or <c>@domain</c>.</summary>
    public List<string> Senders { get; set; } = [];

    /// <summary>Routing: client networks (CIDR, or single addresses).</summary>
    public List<string> Networks { get; set; } = [];
}
