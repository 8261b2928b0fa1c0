using Microsoft.Extensions.Options;

namespace Relay.Inbound;

internal sealed class InboundOptionsValidator : IValidateOptions<InboundOptions>
{
    public ValidateOptionsResult Validate(string? name, InboundOptions options)
    {
        var errors = new OptionsErrors(InboundOptions.Section);
        errors.IpAddress(nameof(options.Address), options.Address);
        errors.Port(nameof(options.Port), options.Port, allowZero: true);
        if (string.IsNullOrWhiteSpace(options.ServerName))
        {
            errors.Add(nameof(options.ServerName), "must not be empty.");
        }

        if (options.MaxMessageSize <= 0)
        {
            errors.Add(nameof(options.MaxMessageSize), $"must be a positive number of bytes (Gmail's limit is {InboundOptions.GmailMaxMessageSize}); it is {options.MaxMessageSize}.");
        }

        errors.Positive(nameof(options.CommandTimeout), options.CommandTimeout);
        errors.Positive(nameof(options.SessionTimeout), options.SessionTimeout);
        errors.Positive(nameof(options.DrainTimeout), options.DrainTimeout);
        return errors.Result;
    }
}
