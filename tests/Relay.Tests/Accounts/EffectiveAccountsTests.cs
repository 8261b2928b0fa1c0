using Relay.Accounts;
using Relay.OAuth;

namespace Relay.Tests.Accounts;

public sealed class EffectiveAccountsTests
{
    [Fact]
    public void Build_NoList_MapsTheSingleAccountKeysToAnSmtpAccountNamedDefault()
    {
        var effective = EffectiveAccounts.Build(
            new AccountsOptions(),
            new RoutingOptions(),
            new AccountOptions { Address = "relay@example.com", Aliases = ["alias@example.com"] },
            new GoogleOptions { ClientId = "id", ClientSecret = "secret", RefreshToken = "1//r", ServiceAccountKeyFile = "/k.json" });

        var account = Assert.Single(effective.Accounts);
        Assert.Equal("default", effective.DefaultName);
        Assert.Equal(
            ("default", "relay@example.com", "alias@example.com", AccountTransport.Smtp, "id", "secret", "1//r", "/k.json", "https://mail.google.com/"),
            (account.Name, account.Address, Assert.Single(account.Aliases), account.Transport, account.ClientId, account.ClientSecret, account.RefreshToken, account.ServiceAccountKeyFile, account.Scope));
    }

    [Fact]
    public void Build_List_UsesTheSharedClientWhereAnAccountHasNone()
    {
        var effective = EffectiveAccounts.Build(
            new AccountsOptions
            {
                Accounts =
                [
                    new() { Name = "helpdesk", Transport = AccountTransport.GmailApi },
                    new() { Name = "scanner", ClientId = "own", ClientSecret = "own-secret" },
                ],
            },
            new RoutingOptions { Default = "SCANNER" },
            new AccountOptions(),
            new GoogleOptions { ClientId = "shared", ClientSecret = "shared-secret" });

        Assert.Equal("scanner", effective.DefaultName);
        Assert.Equal(("shared", "shared-secret", "https://www.googleapis.com/auth/gmail.send"), (effective.Accounts[0].ClientId, effective.Accounts[0].ClientSecret, effective.Accounts[0].Scope));
        Assert.Equal(("own", "own-secret"), (effective.Accounts[1].ClientId, effective.Accounts[1].ClientSecret));
    }

    [Fact]
    public void Build_OneAccountWithoutDefault_IsTheDefault_SeveralAreNot()
    {
        Assert.Equal("only", EffectiveAccounts.Build(new AccountsOptions { Accounts = [new() { Name = "only" }] }, new RoutingOptions(), new AccountOptions(), new GoogleOptions()).DefaultName);
        Assert.Null(EffectiveAccounts.Build(new AccountsOptions { Accounts = [new() { Name = "a" }, new() { Name = "b" }] }, new RoutingOptions(), new AccountOptions(), new GoogleOptions()).DefaultName);
    }

    [Fact]
    public void Build_Networks_AcceptCidrAndSingleAddresses()
    {
        var account = EffectiveAccounts.Build(new AccountsOptions { Accounts = [new() { Name = "a", Networks = ["10.1.0.0/16", "192.168.1.7", "fd00::/8"] }] }, new RoutingOptions(), new AccountOptions(), new GoogleOptions()).Accounts[0];

        Assert.Equal(["10.1.0.0/16", "192.168.1.7/32", "fd00::/8"], account.Networks.Select(n => n.ToString()));
    }
}
