using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Inbound;
using Relay.OAuth;
using Relay.Testing;

namespace Relay.Tests.Accounts;

/// <summary>The README's example of one account per application is a configuration Relay takes, and routes as the README says.</summary>
public sealed partial class ReadmeAccountsExampleTests
{
    [Fact]
    public void ReadmeExample_IsValid_AndRoutesGlpiByLogin_CopiersByNetwork_TheErpBySender_AndTheRestToTheDefault()
    {
        var settings = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(Example()))).Build();
        var accounts = settings.GetSection(AccountsOptions.Section).Get<AccountsOptions>()!;
        var routing = settings.GetSection(RoutingOptions.Section).Get<RoutingOptions>() ?? new RoutingOptions();
        var google = settings.GetSection(GoogleOptions.Section).Get<GoogleOptions>()!;
        var inbound = settings.GetSection(InboundOptions.Section).Get<InboundOptions>()!;

        var validation = new AccountsOptionsValidator(Options.Create(routing), Options.Create(new AccountOptions()), Options.Create(google), Options.Create(inbound)).Validate(null, accounts);
        Assert.True(validation.Succeeded, validation.FailureMessage);

        var effective = EffectiveAccounts.Build(accounts, routing, new AccountOptions(), google, inbound.Users);
        Assert.All(effective.Accounts, account => Assert.Equal("1234-abc.apps.googleusercontent.com", account.ClientId)); // Relay:Google's client for all
        var router = new AccountRouter(effective);
        string? Route(string? user = null, string? mailFrom = null, string? headerFrom = null, string client = "192.168.1.10") =>
            router.Route(user, mailFrom, headerFrom, IPAddress.Parse(client))?.Name;

        Assert.Equal("helpdesk", Route(user: "glpi", mailFrom: "glpi@helpdesk.local", client: "192.168.20.5"));
        Assert.Equal("scanner", Route(mailFrom: "copier@floor2.local", client: "192.168.20.5"));
        Assert.Equal("noreply", Route(mailFrom: "erp@example.com", client: "192.168.20.5")); // a sender rule counts before a network
        Assert.Equal("noreply", Route(mailFrom: "batch@erp.example.com"));
        Assert.Equal("noreply", Route(mailFrom: "cron@server.local"));
        Assert.Equal(AccountTransport.GmailApi, effective.Find("helpdesk")!.Transport);
        Assert.Equal(AccountTransport.Smtp, effective.Find("noreply")!.Transport);
    }

    /// <summary>The JSON block that follows the README's "Example: GLPI, the copiers and the ERP" line.</summary>
    private static string Example()
    {
        var readme = File.ReadAllText(RepositoryFiles.PathTo("README.md"));
        var at = readme.IndexOf("Example: GLPI, the copiers and the ERP, one account each.", StringComparison.Ordinal);
        Assert.True(at >= 0, "the README no longer has the GLPI example of several accounts");
        return JsonBlock().Match(readme, at).Groups[1].Value;
    }

    [GeneratedRegex(@"```json\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
