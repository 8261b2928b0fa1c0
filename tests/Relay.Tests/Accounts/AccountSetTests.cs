using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Outbound;

namespace Relay.Tests.Accounts;

public sealed class AccountSetTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    private RelayAccount Account(string name, string? authorized)
    {
        var settings = new Account(name, $"{name}@example.com", [], AccountTransport.Smtp, "id", "GOCSPX-secret", "1//refresh-SECRET", null, [], [], []);
        var gate = new DeliveryGate(_clock, Options.Create(new OutboundOptions()), NullLogger<DeliveryGate>.Instance);
        var quota = new QuotaGuard(Options.Create(new QuotaOptions()), Path.Combine(Path.GetTempPath(), $"relay-unused-{Guid.NewGuid():N}.json"), _clock, () => authorized);
        return new RelayAccount(settings, new FixedTokens(authorized), null, gate, quota);
    }

    [Fact]
    public void ForNotices_IsTheDefault_UnlessItCannotSendWhileAnotherCan()
    {
        var helpdesk = Account("helpdesk", "helpdesk@example.com");
        var scanner = Account("scanner", "scanner@example.com");
        var accounts = new AccountSet([helpdesk, scanner], "helpdesk");
        Assert.Same(helpdesk, accounts.ForNotices);

        helpdesk.Gate.Hold(HoldReason.Authorization, "535 5.7.8", "helpdesk@example.com");

        Assert.Same(scanner, accounts.ForNotices); // the notice about helpdesk's hold must not wait behind it
        scanner.Gate.Hold(HoldReason.Quota, "550 5.4.5", "scanner@example.com");
        Assert.Same(helpdesk, accounts.ForNotices); // none can send: the default, as before
    }

    [Fact]
    public void ForNotices_SkipsADefaultWithNoAuthorization()
    {
        var accounts = new AccountSet([Account("helpdesk", null), Account("scanner", "scanner@example.com")], "helpdesk");

        Assert.Equal("scanner", accounts.ForNotices.Name);
    }

    [Fact]
    public void NoSuchAccount_NamesWhatWasAsked_AndTheAccountsThereAre()
    {
        var accounts = new AccountSet([Account("helpdesk", null), Account("scanner", "scanner@example.com")], null);

        Assert.Null(accounts.Find("printer"));
        Assert.Equal("There is no account named 'printer' in Relay:Accounts (helpdesk, scanner).", accounts.NoSuchAccount("printer"));
        Assert.Null(accounts.Find(null));
        Assert.Equal("There is no default account (Relay:Routing:Default): name one of the accounts (helpdesk, scanner).", accounts.NoSuchAccount(null));
        Assert.Equal("There is no default account (Relay:Routing:Default): name one of the accounts with --account (helpdesk, scanner).", accounts.NoSuchAccount(null, " with --account"));
    }

    [Fact]
    public void AnAccountsText_LeavesItsSecretsOut()
    {
        var text = Account("helpdesk", null).Settings.ToString();

        Assert.Contains("helpdesk@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("GOCSPX-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("refresh-SECRET", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FileNames_TheDefaultKeepsTheNamesOfBefore_OthersCarryTheirName()
    {
        Assert.Equal("authorization.bin", Path.GetFileName(TokenStore.PathIn("/data", "Default")));
        Assert.Equal("authorization.scanner.bin", Path.GetFileName(TokenStore.PathIn("/data", "Scanner")));
        Assert.Equal("quota.json", Path.GetFileName(QuotaGuard.PathIn("/data", "default")));
        Assert.Equal("quota.scanner.json", Path.GetFileName(QuotaGuard.PathIn("/data", "scanner")));
    }
}
