namespace Relay.OAuth;

/// <summary><c>Relay:Google</c>: the Google OAuth client and its endpoints.</summary>
internal sealed class GoogleOptions
{
    public const string Section = "Relay:Google";
    public const string GmailScope = "https://mail.google.com/";

    public string? ClientId { get; set; }

    /// <summary>Secret: give it through the environment or a file, never in a committed appsettings.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A refresh token for the account in <c>Relay:Account:Address</c>. Secret.</summary>
    public string? RefreshToken { get; set; }

    /// <summary>
    /// Google Workspace only: a service account's JSON key with domain-wide delegation for <c>https://mail.google.com/</c>;
    /// it then acts as <c>Relay:Account:Address</c>, with no browser authorization. Its <c>token_uri</c> is honoured.
    /// </summary>
    public string? ServiceAccountKeyFile { get; set; }

    public string TokenEndpoint { get; set; } = "https://oauth2.googleapis.com/token";
    public string AuthorizationEndpoint { get; set; } = "https://accounts.google.com/o/oauth2/v2/auth";
    public string RevocationEndpoint { get; set; } = "https://oauth2.googleapis.com/revoke";
}
