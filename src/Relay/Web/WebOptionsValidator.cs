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

        if (options.LoginSecret is { Length: > 0 and < WebOptions.MinimumLoginSecretLength } secret)
        {
            // The length only: the value is a secret.
            errors.Add(nameof(options.LoginSecret), $"must be at least {WebOptions.MinimumLoginSecretLength} characters; it has {secret.Length}. " +
                "Use a long random one (openssl rand -base64 32), or leave it empty and Relay generates one in web/login-secret in the data folder.");
        }

        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(options.TrustedProxies[i], out _) && !System.Net.IPNetwork.TryParse(options.TrustedProxies[i], out _))
            {
                errors.Add($"{nameof(options.TrustedProxies)}:{i}", $"must be the IP address of a reverse proxy (such as 172.18.0.5) or a network in CIDR form (such as 172.18.0.0/16); it is '{options.TrustedProxies[i]}'.");
            }
        }

        if (options.LoginRequestsPerMinute < 1)
        {
            errors.Add(nameof(options.LoginRequestsPerMinute), $"must be at least 1; it is {options.LoginRequestsPerMinute}.");
        }

        if (options.ApiRequestsPerMinute < 1)
        {
            errors.Add(nameof(options.ApiRequestsPerMinute), $"must be at least 1; it is {options.ApiRequestsPerMinute}.");
        }

        return errors.Result;
    }
}
