using Microsoft.Extensions.Options;

namespace Relay.Outbound;

internal sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        var errors = new OptionsErrors(QuotaOptions.Section);
        Check(errors, options);
        if (options.Preset == QuotaPreset.Microsoft365)
        {
            errors.Add(nameof(options.Preset), "is Microsoft365, but Relay:Quota holds the limits of the Google accounts (a Microsoft account has Exchange Online's by default): use Workspace or Consumer, or give the account its own Relay:Accounts:N:Quota.");
        }

        return errors.Result;
    }

    /// <summary>The rules of one set of limits, <c>Relay:Quota</c> or an account's own (<paramref name="errors"/> names the section).</summary>
    public static void Check(OptionsErrors errors, QuotaOptions options, string prefix = "")
    {
        foreach (var (key, value, per) in new[]
        {
            (nameof(options.MaxMessages), options.MaxMessages, "a limit per rolling 24 hours"),
            (nameof(options.MaxRecipients), options.MaxRecipients, "a limit per rolling 24 hours"),
            (nameof(options.MaxMessagesPerMinute), options.MaxMessagesPerMinute, "a limit per rolling minute"),
            (nameof(options.MaxRecipientsPerMessage), options.MaxRecipientsPerMessage, "recipients of one message"),
        })
        {
            if (value is <= 0)
            {
                errors.Add(prefix + key, $"must be a positive number ({per}), or left out for the preset's; it is {value}.");
            }
        }

        if (options.Preset is { } preset && !Enum.IsDefined(preset))
        {
            errors.Add(prefix + nameof(options.Preset), $"must be Workspace, Consumer or Microsoft365; it is {preset}.");
        }
    }
}
