using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Tests.Outbound;

/// <summary>What each outcome of an attempt does to the spool, the hold and the events.</summary>
public sealed class OutcomeRecorderTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("relay-recorder-test-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly OutboundOptions _outbound = new() { MaxAge = TimeSpan.FromDays(5) };
    private readonly FileSpool _spool;
    private readonly DeliveryGate _gate;
    private readonly DeliveryEvents _events;
    private readonly OutcomeRecorder _recorder;
    private readonly List<DeliveryOutcome> _published = [];
    private readonly Relay.Accounts.RelayAccount _account;

    public OutcomeRecorderTests()
    {
        _spool = new FileSpool(Options.Create(new RelayOptions { DataPath = _data }), Options.Create(new SpoolOptions()), _clock, NullLogger<FileSpool>.Instance);
        _spool.Start();
        _gate = new DeliveryGate(_clock, Options.Create(_outbound), NullLogger<DeliveryGate>.Instance);
        _events = new DeliveryEvents(_clock);
        _events.Recorded += (_, outcome) => _published.Add(outcome);
        _recorder = new OutcomeRecorder(_spool, new RetrySchedule(Options.Create(_outbound), _clock), _events, Options.Create(_outbound), _clock, NullLogger<OutcomeRecorder>.Instance);
        var settings = new Relay.Accounts.Account("default", "relay@example.com", [], Relay.Accounts.AccountTransport.Smtp, null, null, null, null, [], [], []);
        _account = new Relay.Accounts.RelayAccount(settings, new FixedTokens("relay@example.com"), null, _gate, new QuotaGuard(Options.Create(new QuotaOptions()), Path.Combine(_data, "quota.json"), _clock, () => "relay@example.com"));
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private async Task<SpoolEntry> LeasedAsync(params string[] recipients)
    {
        await _spool.EnqueueAsync(
            new SpoolEntry { Id = "", MailFrom = "app@legacy.lan", Recipients = recipients.Length > 0 ? recipients : ["a@example.org"], ReceivedAt = _clock.GetUtcNow() },
            new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("Subject: s\r\n\r\nbody")),
            "\r\n"u8.ToArray(),
            CancellationToken.None);
        return await _spool.LeaseAsync([""], CancellationToken.None);
    }

    [Fact]
    public async Task Delivered_RemovesTheEntry_OpensTheGate_AndPublishes()
    {
        var entry = await LeasedAsync();
        _gate.Hold(HoldReason.Quota, "limit", "relay@example.com");

        await _recorder.RecordAsync(_account, "relay@example.com", entry, DeliveryOutcome.Delivered("250 OK", []));

        Assert.Equal(0, _spool.Count);
        Assert.Equal(HoldReason.None, _gate.State.Reason);
        Assert.Equal(DeliveryResult.Delivered, Assert.Single(_published).Result);
    }

    [Fact]
    public async Task Deferred_CountsTheAttempt_AndMakesItDueLater()
    {
        var entry = await LeasedAsync();

        await _recorder.RecordAsync(_account, "relay@example.com", entry, DeliveryOutcome.Deferred("421 try later"));

        var deferred = Assert.Single(_spool.Waiting());
        Assert.Equal(1, deferred.Attempts);
        Assert.Equal(SpoolState.Deferred, deferred.State);
        Assert.True(deferred.NextAttemptAt > _clock.GetUtcNow());
        Assert.Equal("421 try later", deferred.LastError);
    }

    [Fact]
    public async Task DeferredPastTheMaximumAge_BecomesADeadLetterWithTheLastError()
    {
        var entry = await LeasedAsync();
        _clock.Advance(TimeSpan.FromDays(5));

        await _recorder.RecordAsync(_account, "relay@example.com", entry, DeliveryOutcome.Deferred("421 still down"));

        Assert.Equal(0, _spool.Count);
        var dead = Assert.Single(_spool.List());
        Assert.Equal(SpoolState.Dead, dead.State);
        Assert.Contains("421 still down", dead.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejected_BecomesADeadLetter()
    {
        var entry = await LeasedAsync();

        await _recorder.RecordAsync(_account, "relay@example.com", entry, DeliveryOutcome.Rejected("550 no such user"));

        Assert.Equal(1, _spool.DeadCount);
        Assert.Equal(0, _spool.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HoldingOutcomes_HoldTheQueue_AndGiveTheEntryBackWithNoAttemptCounted(bool authorization)
    {
        var (result, hold) = authorization
            ? (DeliveryResult.NeedsAuthorization, HoldReason.Authorization)
            : (DeliveryResult.QuotaReached, HoldReason.Quota);
        var entry = await LeasedAsync();

        await _recorder.RecordAsync(_account, "relay@example.com", entry, new DeliveryOutcome(result, "refused"));

        Assert.Equal(hold, _gate.State.Reason);
        Assert.Equal(0, _spool.LeasedCount);
        Assert.Equal(0, Assert.Single(_spool.Waiting()).Attempts);
    }

    [Fact]
    public async Task QuotaAnswerWithRetryAfter_HoldsTheAccountUntilThen_NotForTheDefaultDelay()
    {
        var entry = await LeasedAsync();

        await _recorder.RecordAsync(_account, "relay@example.com", entry, DeliveryOutcome.QuotaReached("429 rate limit") with { RetryAfter = TimeSpan.FromHours(3) });

        Assert.Equal(_clock.GetUtcNow().AddHours(3), _gate.State.NextTryAt);
    }

    [Fact]
    public async Task DeferredWithRetryAfter_IsNotTriedBeforeTheUpstreamAsked()
    {
        var entry = await LeasedAsync();

        await _recorder.RecordAsync(_account, "relay@example.com", entry, DeliveryOutcome.Deferred("503 busy") with { RetryAfter = TimeSpan.FromHours(2) });

        Assert.Equal(_clock.GetUtcNow().AddHours(2), Assert.Single(_spool.Waiting()).NextAttemptAt);
    }

    [Fact]
    public async Task PartiallyDelivered_SplitsPermanentAndTemporaryRefusals_IntoADeadLetterAndANewQueuedEntry()
    {
        var entry = await LeasedAsync("ok@example.org", "gone@example.org", "later@example.org");
        RecipientRefusal[] refused = [new("gone@example.org", 550, "5.1.1 no such user"), new("later@example.org", 450, "4.2.1 try later")];

        await _recorder.RecordAsync(_account, "relay@example.com", entry, DeliveryOutcome.Delivered("250 OK", refused));

        Assert.Equal(["later@example.org"], Assert.Single(_spool.Waiting()).Recipients);
        Assert.Equal(["gone@example.org"], _spool.List().Single(e => e.State == SpoolState.Dead).Recipients);
        Assert.Null(_spool.Find(entry.Id));
    }
}
