using System.Net;
using System.Text;
using Relay.Outbound;
using Relay.Spool;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// The pages with several accounts (issue 14), played with plain HTTP: one block per account, the menu's Authorize
/// listing the accounts, a second account authorized and revoked on its own, the pages after Google naming the account.
/// The same flow in a real browser: <see cref="BrowserAuthorizationTests"/>.
/// </summary>
public sealed class AccountPagesTests : HarnessTest
{
    private const string Scanner = BrowserAuthorizationTests.Scanner;

    [Fact]
    public async Task StatusPage_HasOneBlockPerAccount_AndTheMenusAuthorize_ListsEachAccountWithItsOwnLink()
    {
        await using var relay = await Harness.StartRelayAsync(BrowserAuthorizationTests.TwoAccounts);
        using var browser = await WebSession.SignedInAsync(relay);

        var status = await browser.GetTextAsync("/");
        var helpdesk = Block(status, "helpdesk");
        var scanner = Block(status, "scanner");
        Assert.Contains($"<tr><th>Account</th><td>{RelayHarness.Account}</td></tr>", helpdesk, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Mail routed here</th><td>senders glpi@helpdesk.local</td></tr>", helpdesk, StringComparison.Ordinal);
        Assert.Contains($"<tr><th>Account</th><td>none yet: sign in to Google as {Scanner}</td></tr>", scanner, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Mail routed here</th><td>senders scanner@copiers.local</td></tr>", scanner, StringComparison.Ordinal);
        Assert.Contains($"Revoke {RelayHarness.Account}", helpdesk, StringComparison.Ordinal);
        Assert.DoesNotContain("/authorize?account=helpdesk", helpdesk, StringComparison.Ordinal);
        Assert.Contains("No Google account is authorized yet for the account 'scanner'", scanner, StringComparison.Ordinal);
        Assert.Contains("""<a href="/authorize?account=scanner">Authorize scanner</a>""", scanner, StringComparison.Ordinal);
        Assert.DoesNotContain("Revoke", scanner, StringComparison.Ordinal);

        // The menu's Authorize names no account: with several and no default, it lists them rather than failing.
        var menu = await browser.GetAsync("/authorize");
        var chooser = await menu.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, menu.StatusCode);
        Assert.Contains("<h1>Authorize an account</h1>", chooser, StringComparison.Ordinal);
        Assert.Contains("""<a href="/authorize?account=helpdesk">Authorize helpdesk</a>""", chooser, StringComparison.Ordinal);
        Assert.Contains("""<a href="/authorize?account=scanner">Authorize scanner</a>""", chooser, StringComparison.Ordinal);
        Assert.Contains($"{RelayHarness.Account}: authorized", chooser, StringComparison.Ordinal);
        Assert.Contains("not authorized yet", chooser, StringComparison.Ordinal);

        var form = await browser.GetTextAsync("/authorize?account=scanner");
        Assert.Contains("<h1>Authorize the account scanner</h1>", form, StringComparison.Ordinal);
        Assert.Contains("""<input type="hidden" name="account" value="scanner">""", form, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondAccount_AuthorizedOnItsForm_SendsItsQueuedMail_AndItsRevoke_LeavesTheFirstSending()
    {
        await using var relay = await Harness.StartRelayAsync(BrowserAuthorizationTests.TwoAccounts);
        await RawSmtp.SendOneAsync(relay.SmtpPort, "scanner@copiers.local", "alice@example.org", Encoding.ASCII.GetBytes("From: scanner@copiers.local\r\nSubject: Scan\r\n\r\nscan\r\n"));
        using var browser = await WebSession.SignedInAsync(relay);

        Harness.OAuth.ConsentAccount = Scanner;
        var page = await browser.GetTextAsync(await browser.ConsentForAccountAsync("scanner"));

        Assert.Contains("<h1>Account scanner authorized</h1>", page, StringComparison.Ordinal);
        Assert.Contains($"{Scanner} is authorized for the account &#39;scanner&#39;.", page, StringComparison.Ordinal);
        Assert.Equal("scanner@example.com", Harness.OAuth.LastAuthorizationRequest!["login_hint"]);
        var scan = await Harness.Gmail.NextMessageAsync(); // the message that waited for the scanner account
        Assert.Equal(Scanner, scan.AuthUser);
        Assert.Equal(RelayHarness.Account, relay.Account("helpdesk").Tokens.Account);
        Assert.True(File.Exists(Path.Combine(Harness.DataPath, "oauth", "authorization.scanner.bin")));

        var revoked = await browser.PostFormAsync("/", "/revoke", new Dictionary<string, string> { ["account"] = "scanner" });
        var revokedPage = await revoked.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Account scanner: authorization revoked</h1>", revokedPage, StringComparison.Ordinal);
        Assert.Contains("""<a href="/authorize?account=scanner">Authorize scanner</a>""", revokedPage, StringComparison.Ordinal);
        Assert.Null(relay.Account("scanner").Tokens.Account);
        Assert.Equal(RelayHarness.Account, relay.Account("helpdesk").Tokens.Account);
        Assert.DoesNotContain(FakeGoogleOAuthServer.RefreshToken, Harness.OAuth.Revoked);

        await RawSmtp.SendOneAsync(relay.SmtpPort, "glpi@helpdesk.local", "bob@example.org", Encoding.ASCII.GetBytes("From: glpi@helpdesk.local\r\nSubject: Ticket\r\n\r\nticket\r\n"));
        var ticket = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(RelayHarness.Account, ticket.AuthUser);
        Assert.Contains("Subject: Ticket", ticket.Text, StringComparison.Ordinal);
        (SpoolEntry Entry, DeliveryOutcome Outcome) attempt;
        do
        {
            attempt = await relay.NextOutcomeAsync(); // the scanner's delivery came first
        }
        while (attempt.Entry.Account != "helpdesk");
        Assert.Equal(DeliveryResult.Delivered, attempt.Outcome.Result);
    }

    [Fact]
    public async Task WrongGoogleAccount_ForTheSecondAccount_FailsNamingIt_TryAgainLeadsToItsOwnForm_AndAPastedAddressCompletesIt()
    {
        await using var relay = await Harness.StartRelayAsync(BrowserAuthorizationTests.TwoAccounts);
        using var browser = await WebSession.SignedInAsync(relay);

        Harness.OAuth.ConsentAccount = "someone.else@example.com";
        var response = await browser.GetAsync(await browser.ConsentForAccountAsync("scanner"));
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<h1>Authorization of scanner failed</h1>", page, StringComparison.Ordinal);
        Assert.Contains($"sends as {Scanner}", page, StringComparison.Ordinal);
        Assert.Contains("""<a href="/authorize?account=scanner">Try again</a>""", page, StringComparison.Ordinal);
        Assert.Null(relay.Account("scanner").Tokens.Account);

        // Again as the right Google account, completed by pasting the address Google sent the browser to.
        Harness.OAuth.ConsentAccount = Scanner;
        var callback = await browser.ConsentForAccountAsync("scanner");
        var pasted = await (await browser.PostFormAsync("/authorize?account=scanner", "/oauth/paste", new Dictionary<string, string> { ["pastedUrl"] = callback })).Content.ReadAsStringAsync();
        Assert.Contains("<h1>Account scanner authorized</h1>", pasted, StringComparison.Ordinal);
        Assert.Equal(Scanner, relay.Account("scanner").Tokens.Account);
    }

    [Fact]
    public async Task StatusPage_SaysWhichMailEachAccountTakes_LoginsSendersNetworks_AndTheDefault()
    {
        await using var relay = await Harness.StartRelayAsync(settings =>
        {
            settings.Remove("Relay:Account:Address");
            settings.Remove("Relay:Google:RefreshToken");
            settings["Relay:Inbound:Users:0:Name"] = "glpi";
            settings["Relay:Inbound:Users:0:Password"] = "a local password";
            settings["Relay:Inbound:Users:1:Name"] = "glpi-test";
            settings["Relay:Inbound:Users:1:Password"] = "another local password";
            settings["Relay:Inbound:Users:1:Account"] = "helpdesk";
            settings["Relay:Accounts:0:Name"] = "helpdesk";
            settings["Relay:Accounts:0:Users:0"] = "glpi";
            settings["Relay:Accounts:1:Name"] = "scanner";
            settings["Relay:Accounts:1:Networks:0"] = "192.168.20.0/24";
            settings["Relay:Accounts:1:Networks:1"] = "10.0.0.7";
            settings["Relay:Accounts:2:Name"] = "noreply";
            settings["Relay:Accounts:2:Senders:0"] = "erp@example.com";
            settings["Relay:Accounts:2:Senders:1"] = "@erp.example.com";
            settings["Relay:Accounts:3:Name"] = "spare";
            settings["Relay:Routing:Default"] = "noreply";
        });
        using var browser = await WebSession.SignedInAsync(relay);

        var status = await browser.GetTextAsync("/");

        Assert.Contains("<tr><th>Mail routed here</th><td>logins glpi, glpi-test</td></tr>", Block(status, "helpdesk"), StringComparison.Ordinal);
        Assert.Contains("<tr><th>Mail routed here</th><td>clients in 192.168.20.0/24, 10.0.0.7/32</td></tr>", Block(status, "scanner"), StringComparison.Ordinal);
        Assert.Contains("<tr><th>Mail routed here</th><td>senders erp@example.com, @erp.example.com; and every message no rule routes (the default account)</td></tr>", Block(status, "noreply"), StringComparison.Ordinal);
        Assert.Contains("<tr><th>Mail routed here</th><td>none: no rule of Relay:Accounts routes mail here, and it is not Relay:Routing:Default</td></tr>", Block(status, "spare"), StringComparison.Ordinal);
    }

    /// <summary>The status page's block of one account: from its section's start to the section's end.</summary>
    private static string Block(string page, string account)
    {
        var start = page.IndexOf($"""<section id="account-{account}">""", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no block for the account '{account}' in: {page}");
        var end = page.IndexOf("</section>", start, StringComparison.Ordinal);
        Assert.True(end > start, $"the block of '{account}' is not closed");
        return page[start..end];
    }
}
