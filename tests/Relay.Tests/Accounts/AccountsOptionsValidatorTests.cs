using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth;

namespace Relay.Tests.Accounts;

public sealed class AccountsOptionsValidatorTests
{
    private static IEnumerable<string> Errors(AccountsOptions options, AccountOptions? legacy = null, GoogleOptions? google = null, string? defaultName = null) =>
        new AccountsOptionsValidator(Options.Create(new RoutingOptions { Default = defaultName }), Options.Create(legacy ?? new AccountOptions()), Options.Create(google ?? new GoogleOptions()), Options.Create(new Relay.Inbound.InboundOptions()))
            .Validate(null, options).Failures ?? [];

    [Fact]
    public void Validate_LoginRoutedToAnAccountThatDoesNotExist_IsNamed_NotSilentlySentAsTheDefault()
    {
        var inbound = new Relay.Inbound.InboundOptions { Users = [new() { Name = "glpi", Password = "pw", Account = "helpdsk" }] };
        var list = new AccountsOptions { Accounts = [new() { Name = "helpdesk", Address = "helpdesk@example.com" }] };

        var errors = new AccountsOptionsValidator(Options.Create(new RoutingOptions()), Options.Create(new AccountOptions()), Options.Create(new GoogleOptions { ClientId = "id" }), Options.Create(inbound))
            .Validate(null, list).Failures ?? [];
        var single = new AccountsOptionsValidator(Options.Create(new RoutingOptions()), Options.Create(new AccountOptions()), Options.Create(new GoogleOptions()), Options.Create(inbound))
            .Validate(null, new AccountsOptions()).Failures ?? [];

        Assert.Contains(errors, e => e.Contains("Inbound:Users:0:Account", StringComparison.Ordinal) && e.Contains("'helpdsk'", StringComparison.Ordinal));
        Assert.Contains(single, e => e.Contains("Inbound:Users:0:Account", StringComparison.Ordinal) && e.Contains("Relay:Accounts is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SingleAccountConfiguration_IsValid()
    {
        Assert.Empty(Errors(new AccountsOptions(), new AccountOptions { Address = "relay@example.com" }, new GoogleOptions { RefreshToken = "1//r", ClientId = "id" }));
    }

    [Fact]
    public void Validate_GoodList_IsValid()
    {
        Assert.Empty(Errors(
            new AccountsOptions
            {
                Accounts =
                [
                    new() { Name = "helpdesk", Address = "helpdesk@example.com", Transport = AccountTransport.GmailApi, Users = ["glpi"], Senders = ["glpi@example.com", "@glpi.example.com"], Networks = ["10.0.0.0/8", "192.168.1.7"] },
                    new() { Name = "scanner", Address = "scanner@example.com", ClientId = "own", ClientSecret = "s" },
                ],
            },
            google: new GoogleOptions { ClientId = "shared", ClientSecret = "s" },
            defaultName: "helpdesk"));
    }

    [Theory]
    [InlineData("", "Relay:Accounts:0:Name must be 1 to 64 letters")]
    [InlineData("../etc", "Relay:Accounts:0:Name must be 1 to 64 letters")]
    [InlineData(".hidden", "Relay:Accounts:0:Name must be 1 to 64 letters")]
    [InlineData("a b", "Relay:Accounts:0:Name must be 1 to 64 letters")]
    public void Validate_NameUnsafeAsFileName_IsNamed(string name, string expected)
    {
        Assert.Contains(Errors(new AccountsOptions { Accounts = [new() { Name = name }] }), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EveryProblem_IsReportedAtOnceWithKeyAndFix()
    {
        var errors = Errors(new AccountsOptions
        {
            Accounts =
            [
                new() { Name = "helpdesk", Address = "not-an-address", Transport = AccountTransport.GmailApi, Users = ["glpi"], Senders = ["nobody"], Networks = ["10.0.0.0/33"] },
                new() { Name = "HelpDesk", Users = ["GLPI"], ClientId = "own" },
            ],
        }, defaultName: "erp").ToList();

        Assert.Contains("Relay:Accounts:0:Address must be an email address such as someone@example.com; it is 'not-an-address'. (environment: Relay__Accounts__0__Address)", errors);
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:0:ClientId is needed: account 'helpdesk' sends through the Gmail API", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:0:Senders:0 must be an address (app@example.com) or a domain (@example.com); it is 'nobody'.", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:0:Networks:0 must be a network in CIDR form", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:1:Name 'HelpDesk' names two accounts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:1:Users:0 'GLPI' is routed to account 'helpdesk' already", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:1:ClientSecret is required with Relay:Accounts:1:ClientId", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Routing:Default names 'erp', which is not the Name of an account", StringComparison.Ordinal));
        Assert.Equal(8, errors.Count);
    }

    [Fact]
    public void Validate_GmailApiWithServiceAccount_NeedsTheKeyFileAndAnAddress()
    {
        var errors = Errors(new AccountsOptions { Accounts = [new() { Name = "noreply", Transport = AccountTransport.GmailApi, ServiceAccountKeyFile = "/nonexistent/key.json" }] }).ToList();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:0:ServiceAccountKeyFile names '/nonexistent/key.json', which does not exist.", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Accounts:0:Address is required with a service account", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SingleAccountKeysMixedWithTheList_AreRefused()
    {
        var errors = Errors(
            new AccountsOptions { Accounts = [new() { Name = "a" }] },
            new AccountOptions { Address = "relay@example.com" },
            new GoogleOptions { RefreshToken = "1//r" }).ToList();

        Assert.Contains(errors, e => e.StartsWith("Relay:Account:Address is set together with Relay:Accounts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Google holds a refresh token or a service-account key together with Relay:Accounts", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultOtherThanDefaultWithoutList_IsRefused()
    {
        Assert.Contains(Errors(new AccountsOptions(), defaultName: "helpdesk"), e => e.StartsWith("Relay:Routing:Default names 'helpdesk', but Relay:Accounts is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MicrosoftAccounts_NameEachMisfitAndItsFix()
    {
        var microsoft = Options.Create(new MicrosoftOptions());
        var errors = new AccountsOptionsValidator(Options.Create(new RoutingOptions { Default = "ok" }), Options.Create(new AccountOptions()), Options.Create(new GoogleOptions { ClientId = "g" }),
            Options.Create(new Relay.Inbound.InboundOptions()), microsoft).Validate(null, new AccountsOptions
        {
            Accounts =
            [
                new() { Name = "ok", Provider = AccountProvider.Microsoft, ClientId = "app", ClientSecret = "s", Transport = AccountTransport.Graph },
                new() { Name = "noclient", Provider = AccountProvider.Microsoft },
                new() { Name = "apionly", Provider = AccountProvider.Microsoft, ClientId = "app", Transport = AccountTransport.GmailApi },
                new() { Name = "apponly", Provider = AccountProvider.Microsoft, ClientId = "app", AppOnly = true },
                new() { Name = "googlegraph", Transport = AccountTransport.Graph, Tenant = "contoso.com" },
                new() { Name = "quota", Provider = AccountProvider.Microsoft, ClientId = "app", ClientSecret = "s", Quota = new() { Preset = Relay.Outbound.QuotaPreset.Consumer, MaxMessagesPerMinute = 0 } },
                new() { Name = "manyrcpts", Provider = AccountProvider.Microsoft, ClientId = "app", ClientSecret = "s", Quota = new() { MaxRecipientsPerMessage = 501 } },
                new() { Name = "fivehundred", Provider = AccountProvider.Microsoft, ClientId = "app", ClientSecret = "s", Quota = new() { MaxRecipientsPerMessage = 500 } },
            ],
        }).Failures ?? [];

        Assert.DoesNotContain(errors, e => e.Contains("Accounts:0:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:1:ClientId", StringComparison.Ordinal) && e.Contains("Relay:Microsoft:ClientId", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:2:Transport", StringComparison.Ordinal) && e.Contains("Smtp", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:3:Address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:3:Tenant", StringComparison.Ordinal) && e.Contains("'organizations'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:3:ClientSecret", StringComparison.Ordinal) && e.Contains("CertificateFile", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:4:Transport", StringComparison.Ordinal) && e.Contains("Provider to Microsoft", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:4:Tenant", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:5:Quota:Preset", StringComparison.Ordinal) && e.Contains("Microsoft365", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:5:Quota:MaxMessagesPerMinute", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Accounts:6:Quota:MaxRecipientsPerMessage", StringComparison.Ordinal) && e.Contains("500", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("Accounts:7:", StringComparison.Ordinal));
    }
}
