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
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Chromium_SignsIn_Authorizes_AndTheStatusPageShowsTheAccount()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (as .ci/run does).");
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        var loginLink = relay.Logs.Lines.Select(line => System.Text.RegularExpressions.Regex.Match(line, @"http://localhost:\d+/login#secret=[A-Za-z0-9_-]+")).First(match => match.Success).Value;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        var refusedByPolicy = new List<string>(); // the Content-Security-Policy must let the pages do all they need
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                refusedByPolicy.Add(message.Text);
            }
        };

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

        var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "status-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine("Screenshot of the status page: " + screenshot);
        Assert.Equal("relay.account@example.com", relay.Tokens.Account);
        Assert.Empty(refusedByPolicy);
        Assert.DoesNotContain("secret=", page.Url, StringComparison.Ordinal);
    }
}
