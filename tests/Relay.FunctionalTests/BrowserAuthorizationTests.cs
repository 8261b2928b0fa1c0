using System.Text;
using Microsoft.Playwright;
using Relay.Testing;
using Xunit.Abstractions;

namespace Relay.FunctionalTests;

/// <summary>
/// The one-time authorization as a person does it, in a real headless Chromium (Debian's, at /usr/bin/chromium; .ci/run
/// installs it): sign in with the link from the log (its secret after #, posted by the page's script), click Authorize, allow on the (fake) Google page, land back on the
/// status page showing the account. A screenshot of that page is kept under artifacts/.
/// </summary>
public sealed class BrowserAuthorizationTests(ITestOutputHelper output) : HarnessTest
{
    [Fact]
    public async Task Chromium_SignsIn_Authorizes_AndTheStatusPageShowsTheAccount()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        var loginLink = Chromium.LoginLink(relay);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var refusedByPolicy = Chromium.RefusedByPolicy(page);

        await page.GotoAsync(loginLink);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("No Google account is authorized yet");
        await page.ClickAsync("nav >> text=Authorize");
        await page.ClickAsync("#authorize");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Fake Google"); // the consent page
        await page.ClickAsync("#allow");
        await Assertions.Expect(page.Locator(".banner.ok")).ToContainTextAsync("relay.account@example.com is authorized");
        await page.ClickAsync("text=Back to the status page");
        await Assertions.Expect(page.Locator("table").First).ToContainTextAsync("relay.account@example.com");
        await Assertions.Expect(page.Locator("table").First).ToContainTextAsync("valid");

        output.WriteLine("Screenshot of the status page: " + await Chromium.ScreenshotAsync(page, "status-page.png"));
        Assert.Equal("relay.account@example.com", relay.Tokens.Account);
        Assert.Empty(refusedByPolicy);
        Assert.DoesNotContain("secret=", page.Url, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two accounts (issue 14): the first has its refresh token in configuration, the second none. The status page shows
    /// one block per account; the person authorizes the second with its own Authorize link, as another Google account;
    /// mail routed to it then goes out as that account, and its own Revoke forgets it alone, the first keeps sending.
    /// </summary>
    [Fact]
    public async Task Chromium_AuthorizesASecondAccount_ItsMailGoesOutAsIt_AndItsRevokeTouchesOnlyIt()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts);
        var loginLink = Chromium.LoginLink(relay);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var refusedByPolicy = Chromium.RefusedByPolicy(page);

        await page.GotoAsync(loginLink);
        var helpdesk = page.Locator("section#account-helpdesk");
        var scanner = page.Locator("section#account-scanner");
        await Assertions.Expect(helpdesk.Locator("h2")).ToHaveTextAsync("Account helpdesk");
        await Assertions.Expect(AccountCell(helpdesk)).ToHaveTextAsync(RelayHarness.Account);
        await Assertions.Expect(RoutedCell(helpdesk)).ToHaveTextAsync("senders glpi@helpdesk.local");
        await Assertions.Expect(scanner.Locator("h2")).ToHaveTextAsync("Account scanner");
        await Assertions.Expect(AccountCell(scanner)).ToHaveTextAsync($"none yet: sign in to Google as {Scanner}");
        await Assertions.Expect(RoutedCell(scanner)).ToHaveTextAsync("senders scanner@copiers.local");
        await Assertions.Expect(scanner.Locator(".banner.warn")).ToContainTextAsync("No Google account is authorized yet for the account 'scanner'");
        await Assertions.Expect(helpdesk.Locator("text=Authorize helpdesk")).ToHaveCountAsync(0); // it is authorized: only its Revoke
        await Screenshot(page, "accounts-before.png");

        Harness.OAuth.ConsentAccount = Scanner;
        await scanner.Locator("text=Authorize scanner").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Authorize the account scanner");
        await page.ClickAsync("#authorize");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync($"Fake Google: allow Relay to send mail as {Scanner}");
        await page.ClickAsync("#allow");
        await Assertions.Expect(page.Locator(".banner.ok")).ToContainTextAsync($"{Scanner} is authorized for the account 'scanner'");
        await page.ClickAsync("text=Back to the status page");
        await Assertions.Expect(AccountCell(helpdesk)).ToHaveTextAsync(RelayHarness.Account);
        await Assertions.Expect(AccountCell(scanner)).ToHaveTextAsync(Scanner);
        await Assertions.Expect(scanner.Locator("table")).ToContainTextAsync("valid");
        await Screenshot(page, "accounts-both.png");
        Assert.Equal(RelayHarness.Account, relay.Account("helpdesk").Tokens.Account);
        Assert.Equal(Scanner, relay.Account("scanner").Tokens.Account);

        await RawSmtp.SendOneAsync(relay.SmtpPort, "scanner@copiers.local", "alice@example.org", Encoding.ASCII.GetBytes("From: Copier <scanner@copiers.local>\r\nSubject: Scan\r\n\r\nscan\r\n"));
        var scan = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(Scanner, scan.AuthUser);
        Assert.Contains($"From: Copier <{Scanner}>", scan.Text, StringComparison.Ordinal);

        // The scanner's own Revoke: only it is revoked at Google and forgotten.
        await scanner.Locator("button", new() { HasText = $"Revoke {Scanner}" }).ClickAsync();
        await Assertions.Expect(page.Locator(".banner.warn")).ToContainTextAsync($"{Scanner} was revoked at Google and forgotten");
        await Assertions.Expect(page.Locator(".banner.warn")).ToContainTextAsync("the other accounts keep sending");
        Assert.Single(Harness.OAuth.Revoked);
        Assert.Null(relay.Account("scanner").Tokens.Account);
        Assert.Equal(RelayHarness.Account, relay.Account("helpdesk").Tokens.Account);
        await page.ClickAsync("nav >> text=Status");
        await Assertions.Expect(scanner.Locator(".banner.warn")).ToContainTextAsync("No Google account is authorized yet for the account 'scanner'");
        await Assertions.Expect(helpdesk.Locator("table")).ToContainTextAsync("valid");
        await Assertions.Expect(helpdesk.Locator("button", new() { HasText = $"Revoke {RelayHarness.Account}" })).ToHaveCountAsync(1);

        await RawSmtp.SendOneAsync(relay.SmtpPort, "glpi@helpdesk.local", "bob@example.org", Encoding.ASCII.GetBytes("From: GLPI <glpi@helpdesk.local>\r\nSubject: Ticket\r\n\r\nticket\r\n"));
        var ticket = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(RelayHarness.Account, ticket.AuthUser);
        Assert.Contains("Subject: Ticket", ticket.Text, StringComparison.Ordinal);
        Assert.Empty(refusedByPolicy);
    }

    /// <summary>Two accounts routed by sender: helpdesk (its refresh token in configuration) and scanner (none yet).</summary>
    internal static void TwoAccounts(Dictionary<string, string?> settings)
    {
        settings.Remove("Relay:Account:Address");
        settings.Remove("Relay:Google:RefreshToken");
        settings["Relay:Accounts:0:Name"] = "helpdesk";
        settings["Relay:Accounts:0:Address"] = RelayHarness.Account;
        settings["Relay:Accounts:0:RefreshToken"] = FakeGoogleOAuthServer.RefreshToken;
        settings["Relay:Accounts:0:Senders:0"] = "glpi@helpdesk.local";
        settings["Relay:Accounts:1:Name"] = "scanner";
        settings["Relay:Accounts:1:Address"] = Scanner;
        settings["Relay:Accounts:1:Senders:0"] = "scanner@copiers.local";
    }

    internal const string Scanner = "scanner@example.com";

    /// <summary>The Account row's value in an account's block (the Google account it sends as).</summary>
    private static ILocator AccountCell(ILocator block) => block.Locator("tr:has(th:text-is('Account')) td");

    private static ILocator RoutedCell(ILocator block) => block.Locator("tr:has(th:text-is('Mail routed here')) td");

    private async Task Screenshot(IPage page, string name) => output.WriteLine("Screenshot: " + await Chromium.ScreenshotAsync(page, name));
}
