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
        new(1, 0, [new AccountState("default", "Smtp", new TokenStatus(account, account is null ? "none" : "web", null, null, null, null), gate)], "default");

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

    [Fact]
    public void SeveralAccounts_EachEntryShowsItsAccount_AndOnlyTheHeldAccountsEntriesAreHeld()
    {
        var held = new GateState(HoldReason.Authorization, "535 5.7.8", Clock.GetUtcNow(), Clock.GetUtcNow().AddMinutes(15));
        var status = new RelayStatus(3, 0,
        [
            new AccountState("helpdesk", "Smtp", new TokenStatus("helpdesk@example.com", "web", null, null, null, null), Open),
            new AccountState("scanner", "GmailApi", new TokenStatus("scanner@example.com", "web", null, null, null, null), held),
        ], "helpdesk");
        SpoolEntry[] entries = [Entry(0, Clock.GetUtcNow()) with { Account = "helpdesk" }, Entry(0, Clock.GetUtcNow()) with { Account = "scanner" }, Entry(0, Clock.GetUtcNow()) with { Account = "gone" }];

        var lines = QueueCommands.ListTable(entries, status, Clock).Split(Environment.NewLine);

        Assert.Contains(lines, line => line.Contains("helpdesk", StringComparison.Ordinal) && line.Contains("queued", StringComparison.Ordinal) && line.Contains(" now", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("scanner", StringComparison.Ordinal) && line.Contains("held until 2026-11-30 12:15 UTC", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("gone", StringComparison.Ordinal) && line.Contains("its account 'gone' is not configured", StringComparison.Ordinal));
    }
}
