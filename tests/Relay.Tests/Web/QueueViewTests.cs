using Microsoft.Extensions.Time.Testing;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;
using Relay.Web;

namespace Relay.Tests.Web;

public sealed class QueueViewTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private static readonly GateState Open = new(HoldReason.None, null, null, null);

    private static readonly SpoolEntry WrittenBeforeSeveralAccounts = new()
    {
        Id = "0123456789abcdef0123456789abcdef",
        Recipients = ["alice@example.org"],
        ReceivedAt = Clock.GetUtcNow().AddMinutes(-5),
        NextAttemptAt = Clock.GetUtcNow(),
        Account = null,
    };

    private static RelayStatus TwoAccounts(string? defaultAccount) => new(1, 0,
    [
        new AccountState("helpdesk", "Smtp", new TokenStatus("helpdesk@example.com", "web", null, null, null, null), Open),
        new AccountState("scanner", "Smtp", new TokenStatus("scanner@example.com", "web", null, null, null, null), Open),
    ], defaultAccount);

    [Fact]
    public void EntryNamingNoAccount_WithADefault_ShowsTheDefaultAccount()
    {
        var status = TwoAccounts("helpdesk");

        var item = QueueItem.Of(WrittenBeforeSeveralAccounts, status.For(WrittenBeforeSeveralAccounts), Clock);

        Assert.Equal("helpdesk", item.Account);
        Assert.Equal(QueueState.Queued, item.State);
    }

    [Fact]
    public void EntryNamingNoAccount_WithoutADefault_SaysWhyItWaitsAndTheFix()
    {
        var status = TwoAccounts(null);

        var item = QueueItem.Of(WrittenBeforeSeveralAccounts, status.For(WrittenBeforeSeveralAccounts), Clock);

        Assert.Equal("(default)", item.Account);
        Assert.Equal(QueueState.Held, item.State);
        Assert.Contains("Relay:Routing:Default", item.Next, StringComparison.Ordinal);
        Assert.DoesNotContain("'-'", item.Next, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryNamingAnAccountNoLongerConfigured_NamesIt()
    {
        var entry = WrittenBeforeSeveralAccounts with { Account = "gone" };

        var item = QueueItem.Of(entry, TwoAccounts("helpdesk").For(entry), Clock);

        Assert.Equal("gone", item.Account);
        Assert.Equal(QueueState.Held, item.State);
        Assert.Contains("its account 'gone' is not configured", item.Next, StringComparison.Ordinal);
    }
}
