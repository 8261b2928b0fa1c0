namespace Relay.Outbound;

/// <summary><c>Relay:Quota</c>: Gmail's sending limits, counted here over a rolling 24 hours so the relay holds before Gmail blocks.</summary>
internal sealed class QuotaOptions
{
    public const string Section = "Relay:Quota";

    /// <summary><c>Workspace</c> (2,000 messages, 10,000 recipients a day) or <c>Consumer</c> (500 and 500, for @gmail.com).</summary>
    public QuotaPreset Preset { get; set; } = QuotaPreset.Workspace;

    /// <summary>Messages per rolling 24 hours; the preset's when not set.</summary>
    public int? MaxMessages { get; set; }

    /// <summary>Recipients per rolling 24 hours; the preset's when not set.</summary>
    public int? MaxRecipients { get; set; }

    public int MessageLimit => MaxMessages ?? (Preset == QuotaPreset.Consumer ? 500 : 2000);
    public int RecipientLimit => MaxRecipients ?? (Preset == QuotaPreset.Consumer ? 500 : 10000);
}

internal enum QuotaPreset
{
    Workspace,
    Consumer,
}
