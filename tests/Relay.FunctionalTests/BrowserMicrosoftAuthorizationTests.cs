using Microsoft.Playwright;
using Relay.Testing;
using Xunit.Abstractions;

namespace Relay.FunctionalTests;

/// <summary>
/// A Microsoft account authorized as a person does it, in headless Chromium: sign in with the link from the log, click
/// the account's Authorize, give nothing (the app registration is configured), sign in on the (fake) Microsoft page over
/// HTTPS, land back on the relay; queued mail then goes out as the mailbox the ID token names.
/// </summary>
public sealed class BrowserMicrosoftAuthorizationTests(ITestOutputHelper output) : HarnessTest
{
    [Fact]
    public async Task Chromium_AuthorizesAMicrosoftAccount_AndItsQueuedMailGoesOut()
    {
        await using var identity = await FakeMicrosoftIdentityServer.StartAsync();
        await using var office = new FakeGmailServer(TestCertificates.Server, identity.IsValidFor);
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            identity.ConfigureAlone(s, office.Port);
            s["Relay:Outbound:Port"] = s["Relay:Microsoft:SmtpPort"];
            s["Relay:Accounts:0:Name"] = "office";
            s["Relay:Accounts:0:Provider"] = "Microsoft";
        });
        await relay.SendAsync(Messages.Simple("queued before the sign-in"));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        // The fake sign-in page's certificate comes from the tests' own CA, which Chromium does not know; the relay's pages are plain http.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { IgnoreHTTPSErrors = true });
        var refusedByPolicy = Chromium.RefusedByPolicy(page);

        await page.GotoAsync(Chromium.LoginLink(relay));
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("No Microsoft account is authorized yet for the account 'office'");
        await page.ClickAsync("text=Authorize office");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Application (client) ID");
        await page.ClickAsync("#authorize");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync($"Fake Microsoft: let the app send mail as {FakeMicrosoftIdentityServer.DefaultMailbox}");
        await page.ClickAsync("#allow");
        await Assertions.Expect(page.Locator(".banner.ok")).ToContainTextAsync($"{FakeMicrosoftIdentityServer.DefaultMailbox} is authorized for the account 'office'");
        await page.ClickAsync("text=Back to the status page");
        await Assertions.Expect(page.Locator("table").First).ToContainTextAsync(FakeMicrosoftIdentityServer.DefaultMailbox);
        await Assertions.Expect(page.Locator("table").First).ToContainTextAsync("SMTP (localhost, XOAUTH2)");

        output.WriteLine("Screenshot of the status page: " + await Chromium.ScreenshotAsync(page, "status-page-microsoft.png"));
        Assert.Equal(FakeMicrosoftIdentityServer.DefaultMailbox, (await office.NextMessageAsync()).AuthUser);
        Assert.Empty(refusedByPolicy);
    }
}
