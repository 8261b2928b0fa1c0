using Relay.Accounts;

namespace Relay.Outbound;

/// <summary>
/// <c>Relay:Quota</c> (and an account's own <c>Quota</c>): the provider's sending limits, counted here so the relay
/// holds before the provider blocks.
/// </summary>
internal sealed class QuotaOptions
{
    public const string Section = "Relay:Quota";

    /// <summary>Exchange Online's limit of recipients in one message.</summary>
    public const int ExchangeRecipientsPerMessage = 500;

    /// <summary>
    /// <c>Workspace</c> (2,000 messages, 10,000 recipients a day) or <c>Consumer</c> (500 and 500, for @gmail.com) for a
    /// Google account; <c>Microsoft365</c> (Exchange Online: 30 messages a minute, 10,000 recipients a day, 500 recipients
    /// a message) for a Microsoft one. When not set: <c>Microsoft365</c> for a Microsoft account, <c>Consumer</c> for an
    /// @gmail.com or @googlemail.com account and <c>Workspace</c> for any other.
    /// </summary>
    public QuotaPreset? Preset { get; set; }

    /// <summary>Messages per rolling 24 hours; the preset's when not set.</summary>
    public int? MaxMessages { get; set; }

    /// <summary>Recipients per rolling 24 hours; the preset's when not set.</summary>
    public int? MaxRecipients { get; set; }

    /// <summary>Messages per rolling minute; the preset's when not set (30 for Microsoft365, none for Google's).</summary>
    public int? MaxMessagesPerMinute { get; set; }

    /// <summary>Recipients of one message, refused past it at RCPT with 452 4.5.3; the preset's when not set (500 for Microsoft365, none for Google's).</summary>
    public int? MaxRecipientsPerMessage { get; set; }

    /// <summary>The preset that applies to <paramref name="account"/> (its address) of <paramref name="provider"/>.</summary>
    public QuotaPreset PresetFor(string? account, AccountProvider provider = AccountProvider.Google) =>
        Preset ?? (provider == AccountProvider.Microsoft ? QuotaPreset.Microsoft365 : IsConsumer(account) ? QuotaPreset.Consumer : QuotaPreset.Workspace);

    public int MessageLimit(string? account, AccountProvider provider = AccountProvider.Google) =>
        MaxMessages ?? PresetFor(account, provider) switch { QuotaPreset.Consumer => 500, QuotaPreset.Microsoft365 => 10000, _ => 2000 };

    public int RecipientLimit(string? account, AccountProvider provider = AccountProvider.Google) =>
        MaxRecipients ?? (PresetFor(account, provider) == QuotaPreset.Consumer ? 500 : 10000);

    /// <summary>Messages per rolling minute; null: no such limit.</summary>
    public int? MinuteLimit(string? account, AccountProvider provider = AccountProvider.Google) =>
        MaxMessagesPerMinute ?? (PresetFor(account, provider) == QuotaPreset.Microsoft365 ? 30 : null);

    /// <summary>Recipients of one message; null: no such limit here (Relay:Inbound:MaxRecipients still applies).</summary>
    public int? PerMessageLimit(AccountProvider provider) =>
        MaxRecipientsPerMessage ?? (PresetFor(null, provider) == QuotaPreset.Microsoft365 ? ExchangeRecipientsPerMessage : null);

    /// <summary>
    /// The limits an account sends under: its own <c>Quota</c>; else <c>Relay:Quota</c> for a Google account; else, for a
    /// Microsoft account, Exchange Online's (<c>Relay:Quota</c> holds Gmail's numbers, which are not Microsoft's).
    /// </summary>
    public static QuotaOptions For(Account account, QuotaOptions shared) =>
        account.Quota ?? (account.IsMicrosoft ? new QuotaOptions { Preset = QuotaPreset.Microsoft365 } : shared);

    private static bool IsConsumer(string? account) =>
        account is not null && (account.EndsWith("@gmail.com", StringComparison.OrdinalIgnoreCase) || account.EndsWith("@googlemail.com", StringComparison.OrdinalIgnoreCase));
}

internal enum QuotaPreset
{
    Workspace,
    Consumer,
    Microsoft365,
}
