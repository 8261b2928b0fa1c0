using Microsoft.Extensions.Options;

namespace Relay.Outbound.GmailApi;

internal sealed class GmailApiOptionsValidator : IValidateOptions<GmailApiOptions>
{
    public ValidateOptionsResult Validate(string? name, GmailApiOptions options)
    {
        var errors = new OptionsErrors(GmailApiOptions.Section);
        errors.AbsoluteUrl(nameof(options.BaseUrl), options.BaseUrl);
        errors.Positive(nameof(options.Timeout), options.Timeout);
        if (options.ResumableThreshold < 1 || options.ResumableThreshold > GmailApiOptions.MaxMessageSize)
        {
            errors.Add(nameof(options.ResumableThreshold), $"must be a size in bytes between 1 and {GmailApiOptions.MaxMessageSize} (the API's limit); it is {options.ResumableThreshold}. The default, 5242880 (5 MiB), follows Google's advice.");
        }

        return errors.Result;
    }
}
