using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Outbound;

namespace Relay.Tests.Outbound;

public sealed class QuotaGuardTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("relay-quota-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private QuotaGuard Guard(int messages, int recipients)
    {
        var guard = Construct(messages, recipients);
        guard.Load();
        return guard;
    }

    private QuotaGuard Construct(int messages, int recipients) => new(
        Options.Create(new QuotaOptions { MaxMessages = messages, MaxRecipients = recipients }),
        Path.Combine(_data, "quota.json"),
        _clock,
        () => "relay.account@example.com");

    [Theory]
    [InlineData("someone@gmail.com", null, 500, 500)]
    [InlineData("Someone@GoogleMail.com", null, 500, 500)]
    [InlineData("helpdesk@example.com", null, 2000, 10000)]
    [InlineData("someone@gmail.com", "Workspace", 2000, 10000)]
    [InlineData("helpdesk@example.com", "Consumer", 500, 500)]
    public void Preset_FollowsTheAccount_UnlessConfigured(string account, string? preset, int messages, int recipients)
    {
        var guard = new QuotaGuard(Options.Create(new QuotaOptions { Preset = preset is null ? null : Enum.Parse<QuotaPreset>(preset) }), Path.Combine(_data, "quota.json"), _clock, () => account);

        var usage = guard.Usage;

        Assert.Equal((messages, recipients), (usage.MessageLimit, usage.RecipientLimit));
    }

    [Fact]
    public async Task MessageLimit_HoldsUntilTheOldestSendLeavesTheWindow_AndSurvivesARestart()
    {
        var guard = Guard(messages: 2, recipients: 100);
        Assert.Null(guard.TryReserve(1, out _));
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Null(guard.TryReserve(1, out _));
        await guard.SaveAsync(force: true, CancellationToken.None);

        var restarted = Guard(messages: 2, recipients: 100);
        Assert.Equal(_clock.GetUtcNow().AddHours(23), restarted.TryReserve(1, out _)); // the first send leaves the window then
        _clock.Advance(TimeSpan.FromHours(23));
        Assert.Null(restarted.TryReserve(1, out _));
    }

    [Fact]
    public async Task Construction_ReadsNoFile_LoadReadsQuotaJson()
    {
        var constructed = Construct(messages: 2, recipients: 100);
        var other = Guard(messages: 2, recipients: 100);
        Assert.Null(other.TryReserve(3, out _));
        await other.SaveAsync(force: true, CancellationToken.None);

        constructed.Load();

        Assert.Equal((1, 3), (constructed.Usage.Messages, constructed.Usage.Recipients));
    }

    [Fact]
    public void RecipientLimit_CountsRecipients_AndACancelledSendGivesThemBack()
    {
        var guard = Guard(messages: 100, recipients: 10);
        Assert.Null(guard.TryReserve(6, out var first));
        Assert.NotNull(guard.TryReserve(5, out _));
        guard.Cancel(first);
        Assert.Null(guard.TryReserve(10, out _));
        Assert.Equal((1, 10, 100, 10), guard.Usage);
    }

    [Fact]
    public void Presets_AreGmailsLimits()
    {
        var consumer = new QuotaOptions { Preset = QuotaPreset.Consumer };
        Assert.Equal((2000, 10000), (new QuotaOptions().MessageLimit(null), new QuotaOptions().RecipientLimit(null)));
        Assert.Equal((500, 500), (consumer.MessageLimit(null), consumer.RecipientLimit(null)));
    }

    [Fact]
    public void Microsoft365_HoldsPastThirtyAMinute_UntilTheMinuteSlides_NotForADay()
    {
        var account = new Relay.Accounts.Account("m365", "helpdesk@contoso.com", [], Relay.Accounts.AccountTransport.Smtp, "app", "secret", null, null, [], [], [])
        {
            Provider = Relay.Accounts.AccountProvider.Microsoft,
        };
        var guard = new QuotaGuard(Options.Create(QuotaOptions.For(account, new QuotaOptions { Preset = QuotaPreset.Consumer })), Path.Combine(_data, "quota.m365.json"), _clock,
            () => "helpdesk@contoso.com", account.Provider);
        var start = _clock.GetUtcNow();
        for (var i = 0; i < 30; i++)
        {
            Assert.Null(guard.TryReserve(1, out _));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        // The 31st within the minute waits until the first send is a minute old, then goes.
        Assert.Equal(start + QuotaGuard.MinuteWindow, guard.TryReserve(1, out _));
        Assert.Contains("30/30 messages in the last minute", guard.Describe(), StringComparison.Ordinal);
        _clock.Advance(start + QuotaGuard.MinuteWindow - _clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(guard.TryReserve(1, out _)); // a moment before: the first send is still in the minute
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(guard.TryReserve(1, out _));
        Assert.Equal((31, 31, 10000, 10000), guard.Usage);
        Assert.Equal(500, guard.RecipientsPerMessage);
    }

    [Fact]
    public void Microsoft365_TheDailyRecipientLimitHoldsForTheDay_EvenWithTheMinuteFree()
    {
        var guard = new QuotaGuard(Options.Create(new QuotaOptions { Preset = QuotaPreset.Microsoft365 }), Path.Combine(_data, "quota.json"), _clock, () => "a@contoso.com", Relay.Accounts.AccountProvider.Microsoft);
        var start = _clock.GetUtcNow();
        Assert.Null(guard.TryReserve(9_999, out _));

        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(start + QuotaGuard.Window, guard.TryReserve(2, out _));
        Assert.Null(guard.TryReserve(1, out _));
    }

    [Fact]
    public void ProviderDecidesThePreset_AndAGoogleAccountKeepsRelayQuota()
    {
        var shared = new QuotaOptions { MaxMessages = 7 };
        var google = new Relay.Accounts.Account("g", "a@example.com", [], Relay.Accounts.AccountTransport.Smtp, "id", "s", null, null, [], [], []);
        var microsoft = google with { Provider = Relay.Accounts.AccountProvider.Microsoft };
        var own = microsoft with { Quota = new QuotaOptions { MaxMessagesPerMinute = 5 } };

        Assert.Same(shared, QuotaOptions.For(google, shared));
        Assert.Equal((10000, 10000, 30, 500), Limits(QuotaOptions.For(microsoft, shared), Relay.Accounts.AccountProvider.Microsoft));
        Assert.Equal((10000, 10000, 5, 500), Limits(QuotaOptions.For(own, shared), Relay.Accounts.AccountProvider.Microsoft));
        Assert.Equal((7, 10000, null, null), Limits(shared, Relay.Accounts.AccountProvider.Google));

        static (int, int, int?, int?) Limits(QuotaOptions options, Relay.Accounts.AccountProvider provider) =>
            (options.MessageLimit("a@example.com", provider), options.RecipientLimit("a@example.com", provider), options.MinuteLimit("a@example.com", provider), options.PerMessageLimit(provider));
    }
}
