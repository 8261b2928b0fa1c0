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
}
