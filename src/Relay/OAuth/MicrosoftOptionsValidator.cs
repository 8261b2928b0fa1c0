using Microsoft.Extensions.Options;

namespace Relay.OAuth;

/// <summary><c>Relay:Microsoft</c>: the sign-in host is an https address (MSAL takes no other), the SMTP port a port, Graph's address absolute.</summary>
internal sealed class MicrosoftOptionsValidator : IValidateOptions<MicrosoftOptions>
{
    public ValidateOptionsResult Validate(string? name, MicrosoftOptions options)
    {
        var errors = new OptionsErrors(MicrosoftOptions.Section);
        if (!Uri.TryCreate(options.Instance, UriKind.Absolute, out var instance) || instance.Scheme != Uri.UriSchemeHttps || instance.AbsolutePath != "/")
        {
            errors.Add(nameof(options.Instance), $"is '{options.Instance}', but must be the https address of the Microsoft identity platform's host, with no path " +
                                                  "(https://login.microsoftonline.com; a national cloud's, such as https://login.microsoftonline.us): MSAL takes only https, and the tenant is Tenant.");
        }

        if (string.IsNullOrWhiteSpace(options.Tenant))
        {
            errors.Add(nameof(options.Tenant), "is empty: give organizations (work or school accounts), consumers (Outlook.com), common (both), or a tenant ID or domain.");
        }

        errors.Port(nameof(options.SmtpPort), options.SmtpPort);

        if (string.IsNullOrWhiteSpace(options.SmtpHost))
        {
            errors.Add(nameof(options.SmtpHost), "is empty: give Exchange Online's SMTP host (smtp.office365.com).");
        }

        errors.AbsoluteUrl(nameof(options.GraphUrl), options.GraphUrl);
        return errors.Result;
    }
}
