using Microsoft.Extensions.Options;

namespace Relay.Web;

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        var errors = new OptionsErrors(WebOptions.Section);
        errors.IpAddress(nameof(options.Address), options.Address);
        errors.Port(nameof(options.Port), options.Port, allowZero: true);
        if (!string.IsNullOrEmpty(options.PublicUrl) && (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add(nameof(options.PublicUrl), $"must be an https address such as https://relay.example.com (Google takes no other for a Web client); it is '{options.PublicUrl}'.");
        }

        return errors.Result;
    }
}
