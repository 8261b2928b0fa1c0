using System.Text;
using Microsoft.Playwright;
using Relay.Testing;
using Xunit.Abstractions;

namespace Relay.FunctionalTests;

/// <summary>
/// The queue as an operator uses it, in a real headless Chromium: sign in, open the queue from the status page, filter,
/// open a message, retry it and delete another, each through its confirmation page; on a desktop and a phone-sized
/// screen. Screenshots are kept under artifacts/.
/// </summary>
public sealed class BrowserQueueTests(ITestOutputHelper output) : HarnessTest
{
    [Fact]
    public async Task Chromium_OpensTheQueue_Filters_ViewsADetail_RetriesAndDeletes()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        foreach (var subject in new[] { "Printer jammed", "Password reset" })
        {
            await RawSmtp.SendOneAsync(relay.SmtpPort, "glpi@helpdesk.local", "alice@example.org", Encoding.ASCII.GetBytes($"From: GLPI <glpi@helpdesk.local>\r\nSubject: {subject}\r\n\r\nbody\r\n"));
        }

        var loginLink = Chromium.LoginLink(relay);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var phone = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var page = await browser.NewPageAsync();
        var refusedByPolicy = Chromium.RefusedByPolicy(page);

        await page.GotoAsync(loginLink);
        await page.ClickAsync("text=2 waiting");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Queue");
        await page.ClickAsync("text=held (2)");
        await Assertions.Expect(page.Locator("table.list")).ToContainTextAsync("waiting for an account to be authorized");
        await Screenshot(page, "queue-page.png");

        await page.Locator("table.list a").First.ClickAsync();
        await Assertions.Expect(page.Locator("pre")).ToContainTextAsync("Subject: Printer jammed");
        await Screenshot(page, "queue-detail.png");
        await page.ClickAsync("text=Retry now");
        await page.ClickAsync("#confirm");
        await Assertions.Expect(page.Locator(".banner.ok")).ToContainTextAsync("is queued to be tried now");

        await page.ClickAsync("text=Back to the queue");
        await page.Locator("table.list a").Nth(1).ClickAsync();
        await Assertions.Expect(page.Locator("pre")).ToContainTextAsync("Subject: Password reset");
        await page.ClickAsync("text=Delete");
        await page.ClickAsync("#confirm");
        await Assertions.Expect(page.Locator(".banner.ok")).ToContainTextAsync("was deleted");
        Assert.Single(relay.Spool.List());

        // The same list on a phone-sized screen: the table scrolls inside the page, nothing is cut off.
        await phone.GotoAsync(loginLink); // a page of its own: it signs in again
        await phone.GotoAsync(page.Url.Split("/queue")[0] + "/queue");
        await Assertions.Expect(phone.Locator("table.list")).ToContainTextAsync("alice@example.org");
        var width = await phone.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width} px wide on a 390 px screen");
        await Screenshot(phone, "queue-phone.png");
        Assert.Empty(refusedByPolicy);
    }

    private async Task Screenshot(IPage page, string name) => output.WriteLine("Screenshot: " + await Chromium.ScreenshotAsync(page, name));
}
