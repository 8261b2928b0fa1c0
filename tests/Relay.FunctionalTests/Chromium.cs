using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>Debian's headless Chromium (at /usr/bin/chromium; .ci/run installs it), driven by Playwright, for the browser tests.</summary>
internal static partial class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Path), $"{Path} is missing: apt-get install -y chromium (as .ci/run does).");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>The sign-in link the relay printed (its secret after #).</summary>
    public static string LoginLink(RelayInstance relay) =>
        relay.Logs.Lines.Select(line => LoginLinkPattern().Match(line)).First(match => match.Success).Value;

    /// <summary>Collects what the Content-Security-Policy refuses on <paramref name="page"/>: the pages must need nothing it forbids.</summary>
    public static List<string> RefusedByPolicy(IPage page)
    {
        var refused = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                refused.Add(message.Text);
            }
        };
        return refused;
    }

    /// <summary>Saves a full-page screenshot under artifacts/ (beside the test assembly) and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "artifacts", name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    [GeneratedRegex(@"http://localhost:\d+/login#secret=[A-Za-z0-9_-]+")]
    private static partial Regex LoginLinkPattern();
}
