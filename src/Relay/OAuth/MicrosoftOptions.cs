namespace Relay.OAuth;

/// <summary><c>Relay:Microsoft</c>: the Entra ID app registration Microsoft accounts use by default, and Microsoft's endpoints.</summary>
internal sealed class MicrosoftOptions
{
    public const string Section = "Relay:Microsoft";

    /// <summary>The app registration's Application (client) ID, for the Microsoft accounts that give none of their own.</summary>
    public string? ClientId { get; set; }

    /// <summary>Secret: give it through the environment or a file, never in a committed appsettings.</summary>
    public string? ClientSecret { get; set; }

    /// <summary><c>organizations</c> (work or school accounts), <c>consumers</c> (Outlook.com), or a tenant ID or domain.</summary>
    public string Tenant { get; set; } = "organizations";

    /// <summary>The Microsoft identity platform's sign-in host (the authority is this plus the tenant).</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com";

    public string SmtpHost { get; set; } = "smtp.office365.com";
    public int SmtpPort { get; set; } = 587;

    /// <summary>Microsoft Graph's base address (<c>/v1.0/users/{mailbox}/sendMail</c> is appended).</summary>
    public string GraphUrl { get; set; } = "https://graph.microsoft.com";
}
