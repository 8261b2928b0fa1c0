using System.Net;
using Relay.Accounts;
using Relay.OAuth;

namespace Relay.Tests.Accounts;

public sealed class AccountRouterTests
{
    private static AccountRouter Router(string? defaultName, params AccountSettings[] accounts) =>
        new(EffectiveAccounts.Build(new AccountsOptions { Accounts = [.. accounts] }, new RoutingOptions { Default = defaultName }, new AccountOptions(), new GoogleOptions { ClientId = "shared" }));

    private static readonly AccountSettings Helpdesk = new() { Name = "helpdesk", Users = ["glpi"], Senders = ["glpi@example.com"], Networks = ["10.0.0.0/8"] };
    private static readonly AccountSettings Scanner = new() { Name = "scanner", Senders = ["@scan.example.com"], Networks = ["10.1.2.0/24"] };
    private static readonly AccountSettings Erp = new() { Name = "erp", Users = ["erp"], Senders = ["erp@scan.example.com"] };

    private static string? Route(AccountRouter router, string? user = null, string? mailFrom = null, string? headerFrom = null, string? client = null) =>
        router.Route(user, mailFrom, headerFrom, client is null ? null : IPAddress.Parse(client))?.Name;

    [Fact]
    public void Route_AuthUser_WinsOverSenderAndNetwork()
    {
        var router = Router(null, Helpdesk, Scanner, Erp);

        Assert.Equal("erp", Route(router, user: "erp", mailFrom: "glpi@example.com", client: "10.1.2.3"));
    }

    [Fact]
    public void Route_AuthUser_ComparesWithoutCase_AsTheLoginDoes()
    {
        var router = Router(null, Helpdesk, Scanner, Erp);

        Assert.Equal("helpdesk", Route(router, user: "GLPI"));
    }

    [Fact]
    public void Route_Sender_WinsOverNetwork()
    {
        var router = Router(null, Helpdesk, Scanner, Erp);

        Assert.Equal("helpdesk", Route(router, mailFrom: "GLPI@Example.com", client: "10.1.2.3"));
    }

    [Fact]
    public void Route_ExactSender_WinsOverDomainOfAnEarlierAccount()
    {
        var router = Router(null, Helpdesk, Scanner, Erp);

        Assert.Equal("erp", Route(router, mailFrom: "erp@scan.example.com"));
        Assert.Equal("scanner", Route(router, mailFrom: "copier3@scan.example.com"));
    }

    [Fact]
    public void Route_EnvelopeSender_BeforeHeaderFrom()
    {
        var router = Router(null, Helpdesk, Scanner, Erp);

        Assert.Equal("helpdesk", Route(router, mailFrom: "glpi@example.com", headerFrom: "erp@scan.example.com"));
        Assert.Equal("erp", Route(router, mailFrom: "unknown@nowhere.example", headerFrom: "erp@scan.example.com"));
    }

    [Fact]
    public void Route_Network_LongestPrefixWins()
    {
        var router = Router(null, Helpdesk, Scanner, Erp);

        Assert.Equal("scanner", Route(router, client: "10.1.2.3"));
        Assert.Equal("helpdesk", Route(router, client: "10.9.9.9"));
        Assert.Equal("scanner", Route(router, client: "::ffff:10.1.2.3"));
    }

    [Fact]
    public void Route_NoRule_TakesTheDefault()
    {
        var router = Router("erp", Helpdesk, Scanner, Erp);

        Assert.Equal("erp", Route(router, user: "someone", mailFrom: "x@y.example", client: "192.168.1.1"));
    }

    [Fact]
    public void Route_NoRuleAndNoDefault_IsNull()
    {
        var router = Router(null, Helpdesk, Scanner, Erp);

        Assert.Null(Route(router, user: "someone", mailFrom: "x@y.example", headerFrom: "not an address", client: "192.168.1.1"));
        Assert.Null(Route(router));
    }

    [Fact]
    public void Route_SingleAccountConfiguration_TakesEveryMessage()
    {
        var router = new AccountRouter(EffectiveAccounts.Build(new AccountsOptions(), new RoutingOptions(), new AccountOptions { Address = "relay@example.com" }, new GoogleOptions()));

        Assert.Equal("default", Route(router, user: "anyone", mailFrom: "x@y.example", client: "8.8.8.8"));
    }
}
