using Microsoft.Extensions.Options;

namespace Relay.Notify;

internal sealed class NotifyOptionsValidator : IValidateOptions<NotifyOptions>
{
    public ValidateOptionsResult Validate(string? name, NotifyOptions options)
    {
        var errors = new OptionsErrors(NotifyOptions.Section);
        errors.Email(nameof(options.To), options.To);
        errors.Positive(nameof(options.HeldAfter), options.HeldAfter);
        if (!string.IsNullOrEmpty(options.WebhookUrl))
        {
            // The URL may hold a token (chat webhooks do): name the problem, never echo the value.
            if (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add(nameof(options.WebhookUrl), "must be an absolute http(s) URL such as https://chat.example.com/hooks/relay, or be left out.");
            }
        }

        errors.Positive(nameof(options.WebhookTimeout), options.WebhookTimeout);
        if (options.WebhookTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add(nameof(options.WebhookTimeout), $"must be at most 00:05:00; it is {options.WebhookTimeout}.");
        }

        if (options.WebhookAttempts is < 1 or > 10)
        {
            errors.Add(nameof(options.WebhookAttempts), $"must be between 1 and 10; it is {options.WebhookAttempts}.");
        }

        return errors.Result;
    }
}
