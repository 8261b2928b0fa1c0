namespace Relay.Outbound;

/// <summary><c>Relay:Quota</c>: Gmail's sending limits, counted here over a rolling 24 hours so the relay holds before Gmail blocks.</summary>
internal sealed class QuotaOptions
{
    public const string Section = "Relay:Quota";

    /// <summary>
    /// <c>Workspace</c> (2,000 messages, 10,000 recipients a day) or <c>Consumer</c> (500 and 500, for @gmail.com); when
    /// not set, <c>Consumer</c> for an @gmail.com or @googlemail.com account and <c>Workspace</c> for any other.
    /// </summary>
    public QuotaPreset? Preset { get; set; }

    /// <summary>Messages per rolling 24 hours; the preset's when not set.</summary>
    public int? MaxMessages { get; set; }

    /// <summary>Recipients per rolling 24 hours; the preset's when not set.</summary>
    public int? MaxRecipients { get; set; }

    /// <summary>The preset that applies to <paramref name="account"/>.</summary>
    public QuotaPreset PresetFor(string? account) => Preset ?? (IsConsumer(account) ? QuotaPreset.Consumer : QuotaPreset.Workspace);

    public int MessageLimit(string? account) => MaxMessages ?? (PresetFor(account) == QuotaPreset.Consumer ? 500 : 2000);
    public int RecipientLimit(string? account) => MaxRecipients ?? (PresetFor(account) == QuotaPreset.Consumer ? 500 : 10000);

    private static bool IsConsumer(string? account) =>
        account is not null && (account.EndsWith("@gmail.com", StringComparison.OrdinalIgnoreCase) || account.EndsWith("@googlemail.com", StringComparison.OrdinalIgnoreCase));
}

internal enum QuotaPreset
{
    Workspace,
    Consumer,
}
