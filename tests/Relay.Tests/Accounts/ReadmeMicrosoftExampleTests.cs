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

/// <summary>The README's Microsoft 365 example (GLPI by Graph, the copiers app-only by SMTP) is a configuration Relay takes, and routes as the README says.</summary>
public sealed partial class ReadmeMicrosoftExampleTests : IDisposable
{
    private const string CertificateInReadme = "/run/secrets/relay-entra.pem";

    private readonly string _certificate = Path.GetTempFileName();

    [Fact]
    public void ReadmeMicrosoftExample_IsValid_SharesTheAppRegistration_AndRoutesGlpiToTheHelpdeskMailbox_TheCopiersToTheScannerMailbox()
    {
        // The app-only account's certificate must exist for the validator: the README's path, made real for the test.
        var json = Example().Replace(CertificateInReadme, _certificate.Replace("\\", "\\\\"), StringComparison.Ordinal);
        var settings = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var accounts = settings.GetSection(AccountsOptions.Section).Get<AccountsOptions>()!;
        var routing = settings.GetSection(RoutingOptions.Section).Get<RoutingOptions>() ?? new RoutingOptions();
        var google = settings.GetSection(GoogleOptions.Section).Get<GoogleOptions>() ?? new GoogleOptions();
        var microsoft = settings.GetSection(MicrosoftOptions.Section).Get<MicrosoftOptions>()!;
        var inbound = settings.GetSection(InboundOptions.Section).Get<InboundOptions>()!;

        var validation = new AccountsOptionsValidator(
            Options.Create(routing), Options.Create(new AccountOptions()), Options.Create(google), Options.Create(inbound), Options.Create(microsoft)).Validate(null, accounts);
        Assert.True(validation.Succeeded, validation.FailureMessage);

        var effective = EffectiveAccounts.Build(accounts, routing, new AccountOptions(), google, inbound.Users, microsoft);
        Assert.All(effective.Accounts, account =>
        {
            Assert.Equal(AccountProvider.Microsoft, account.Provider);
            Assert.Equal("0b1c2d3e-aaaa-bbbb-cccc-1234567890ab", account.ClientId); // Relay:Microsoft's app registration for both
            Assert.Equal("contoso.onmicrosoft.com", account.Tenant);
        });

        var helpdesk = effective.Find("helpdesk")!;
        Assert.Equal(AccountTransport.Graph, helpdesk.Transport);
        Assert.False(helpdesk.AppOnly);
        Assert.False(helpdesk.LargeMessagesBySmtp);
        var scanner = effective.Find("scanner")!;
        Assert.Equal(AccountTransport.Smtp, scanner.Transport);
        Assert.True(scanner.AppOnly);
        Assert.Equal("scanner@contoso.com", scanner.Address);
        Assert.Equal(_certificate, scanner.CertificateFile);

        var router = new AccountRouter(effective);
        string? Route(string? user = null, string? mailFrom = null, string client = "192.168.1.10") =>
            router.Route(user, mailFrom, null, IPAddress.Parse(client))?.Name;
        Assert.Equal("helpdesk", Route(user: "glpi", mailFrom: "glpi@helpdesk.local", client: "192.168.20.5")); // the login counts before the network
        Assert.Equal("scanner", Route(mailFrom: "copier@floor2.local", client: "192.168.20.5"));
        Assert.Equal("helpdesk", Route(mailFrom: "cron@server.local")); // Relay:Routing:Default
    }

    /// <summary>
    /// The same example with what the README says app-only needs taken away is refused: a shared tenant instead of the
    /// organisation's, and no certificate or secret.
    /// </summary>
    [Fact]
    public void ReadmeMicrosoftExample_WithoutItsTenantOrCertificate_IsRefusedForTheAppOnlyAccount()
    {
        var json = Example().Replace("\"Tenant\": \"contoso.onmicrosoft.com\"", "\"Tenant\": \"organizations\"", StringComparison.Ordinal)
            .Replace($", \"CertificateFile\": \"{CertificateInReadme}\"", "", StringComparison.Ordinal);
        var settings = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var accounts = settings.GetSection(AccountsOptions.Section).Get<AccountsOptions>()!;
        var microsoft = settings.GetSection(MicrosoftOptions.Section).Get<MicrosoftOptions>()!;
        var inbound = settings.GetSection(InboundOptions.Section).Get<InboundOptions>()!;
        var routing = settings.GetSection(RoutingOptions.Section).Get<RoutingOptions>()!;

        var validation = new AccountsOptionsValidator(
            Options.Create(routing), Options.Create(new AccountOptions()), Options.Create(new GoogleOptions()), Options.Create(inbound), Options.Create(microsoft)).Validate(null, accounts);

        Assert.False(validation.Succeeded);
        Assert.Contains("Accounts:1:Tenant", validation.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Accounts:1:ClientSecret", validation.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Accounts:0:", validation.FailureMessage, StringComparison.Ordinal); // the delegated account needs neither
    }

    public void Dispose() => File.Delete(_certificate);

    /// <summary>The JSON block that follows the README's "Example: GLPI sends as the Microsoft 365 help-desk mailbox" line.</summary>
    private static string Example()
    {
        var readme = File.ReadAllText(RepositoryFiles.PathTo("README.md"));
        var at = readme.IndexOf("Example: GLPI sends as the Microsoft 365 help-desk mailbox", StringComparison.Ordinal);
        Assert.True(at >= 0, "the README no longer has the GLPI example of a Microsoft 365 account");
        var block = JsonBlock().Match(readme, at);
        Assert.True(block.Success, "no JSON block after the README's Microsoft 365 example line");
        return block.Groups[1].Value;
    }

    [GeneratedRegex(@"```json\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
