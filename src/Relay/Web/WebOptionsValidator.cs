using Microsoft.Extensions.Options;

namespace Relay.Web;

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        var errors = new OptionsErrors(WebOptions.Section);
        errors.IpAddress(nameof(options.Address), options.Address);
        errors.Port(nameof(options.Port), options.Port, allowZero: true);
        return errors.Result;
    }
}
