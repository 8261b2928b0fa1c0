using Microsoft.Extensions.Options;

namespace Relay.Outbound;

internal sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        var errors = new OptionsErrors(QuotaOptions.Section);
        foreach (var (key, value) in new[] { (nameof(options.MaxMessages), options.MaxMessages), (nameof(options.MaxRecipients), options.MaxRecipients) })
        {
            if (value is <= 0)
            {
                errors.Add(key, $"must be a positive number (a limit per rolling 24 hours), or left out for the preset's; it is {value}.");
            }
        }

        if (options.Preset is { } preset && !Enum.IsDefined(preset))
        {
            errors.Add(nameof(options.Preset), $"must be Workspace or Consumer; it is {preset}.");
        }

        return errors.Result;
    }
}
