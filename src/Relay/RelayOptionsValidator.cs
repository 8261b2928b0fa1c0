using Microsoft.Extensions.Options;

namespace Relay;

internal sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        var errors = new OptionsErrors(RelayOptions.Section);
        if (string.IsNullOrWhiteSpace(options.DataPath))
        {
            errors.Add(nameof(options.DataPath), "must name the folder for the spool, such as ./data or /data.");
        }

        return errors.Result;
    }
}
