using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.Tests.Outbound;

public sealed class DeliveryGateTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _logs = new();

    private DeliveryGate Gate() => new(
        _clock,
        Options.Create(new OutboundOptions { AuthorizationRetryDelay = TimeSpan.FromMinutes(5), QuotaRetryDelay = TimeSpan.FromMinutes(15) }),
        LoggerFactory.Create(logging => logging.AddProvider(_logs)).CreateLogger<DeliveryGate>());

    [Fact]
    public async Task Hold_LetsOneProbeThroughPerDelay_AndOpenReleasesEveryone()
    {
        var gate = Gate();
        gate.Hold(HoldReason.Authorization, "invalid_grant", "a@example.com");

        var first = gate.WaitAsync(CancellationToken.None);
        var second = gate.WaitAsync(CancellationToken.None);
        Assert.False(first.IsCompleted);
        _clock.Advance(TimeSpan.FromMinutes(5));
        await Task.WhenAny(first, second).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(first.IsCompleted && second.IsCompleted); // one probe, not two

        gate.Open();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HoldReason.None, gate.State.Reason);
        await gate.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(1)); // open: no wait
    }

    [Fact]
    public void Hold_IsLoggedWhenItStarts_ThenHourly_NotPerMessage()
    {
        var gate = Gate();
        for (var i = 0; i < 10; i++)
        {
            gate.Hold(HoldReason.Quota, "550 5.4.5 Daily user sending limit exceeded", "a@example.com");
            _clock.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Single(_logs.Lines, line => line.Contains("[4010]", StringComparison.Ordinal));
        _clock.Advance(TimeSpan.FromMinutes(15));
        gate.Hold(HoldReason.Quota, "550 5.4.5 Daily user sending limit exceeded", "a@example.com");
        Assert.Equal(2, _logs.Lines.Count(line => line.Contains("[4010]", StringComparison.Ordinal)));
        Assert.Equal(_clock.GetUtcNow().AddMinutes(-65), gate.State.HeldSince);
    }

    [Fact]
    public async Task APassTakenBeforeAHold_NoLongerCounts_TheProbesPassDoes()
    {
        var gate = Gate();
        var early = await gate.WaitAsync(CancellationToken.None); // a worker passed, then waited for a message…
        gate.Hold(HoldReason.Quota, "421 4.7.0 Try again later", "a@example.com"); // …while another's outcome held the queue

        Assert.False(gate.StillOpenFor(early));
        var probe = gate.WaitAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(15));
        Assert.True(gate.StillOpenFor(await probe.WaitAsync(TimeSpan.FromSeconds(10))));
    }
}
