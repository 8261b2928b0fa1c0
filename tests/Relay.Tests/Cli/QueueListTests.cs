using Microsoft.Extensions.Time.Testing;
using Relay.Cli;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;
using Relay.Web;

namespace Relay.Tests.Cli;

public sealed class QueueListTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private static readonly GateState Open = new(HoldReason.None, null, null, null);

    private static SpoolEntry Entry(int attempts, DateTimeOffset next, SpoolState state = SpoolState.Queued) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Recipients = ["alice@example.org"],
        ReceivedAt = Clock.GetUtcNow().AddMinutes(-5),
        Attempts = attempts,
        NextAttemptAt = next,
        State = state,
    };

    private static RelayStatus Status(string? account, GateState gate) =>
        new(new TokenStatus(account, account is null ? "none" : "web", null, null, null, null), 1, 0, gate);

    [Fact]
    public void WithoutAnAccount_NextSaysItWaitsForOne_NotNow()
    {
        var table = QueueCommands.ListTable([Entry(0, Clock.GetUtcNow())], Status(null, Open), Clock);

        Assert.Contains("held", table, StringComparison.Ordinal);
        Assert.Contains("waiting for an account to be authorized", table, StringComparison.Ordinal);
        Assert.DoesNotContain(" now ", table, StringComparison.Ordinal);
    }

    [Fact]
    public void WhileHeld_NextSaysUntilWhen()
    {
        var gate = new GateState(HoldReason.Quota, "550 5.4.5", Clock.GetUtcNow(), Clock.GetUtcNow().AddMinutes(15));

        var table = QueueCommands.ListTable([Entry(1, Clock.GetUtcNow())], Status("a@example.com", gate), Clock);

        Assert.Contains("held until 2026-11-30 12:15 UTC (sending limit reached)", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Running_DeferredAndDeadSayWhatTheyAre()
    {
        var table = QueueCommands.ListTable([Entry(2, Clock.GetUtcNow().AddMinutes(4)), Entry(3, default, SpoolState.Dead)], Status("a@example.com", Open), Clock);

        Assert.Contains("deferred", table, StringComparison.Ordinal);
        Assert.Contains("in 4m", table, StringComparison.Ordinal);
        Assert.Contains("dead", table, StringComparison.Ordinal);
    }
}
