using System.Net;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>The login secret in the logs (issue 10, item 9): its link once, when generated; never in a request log.</summary>
public sealed class SecretInLogsTests : HarnessTest
{
    /// <summary>Every log at Debug, Microsoft's request logs included.</summary>
    private static void Verbose(Dictionary<string, string?> settings)
    {
        settings["Serilog:MinimumLevel:Default"] = "Debug";
        settings["Serilog:MinimumLevel:Override:Microsoft"] = "Debug";
        settings["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Debug";
        settings["Logging:LogLevel:Default"] = "Debug";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Information";
    }

    [Fact]
    public async Task SignInLink_OnlyWhenTheSecretIsGenerated_ThenTheFile_AndNoRequestLogCarriesTheSecret()
    {
        string secret;
        await using (var first = await Harness.StartRelayAsync(Verbose))
        {
            secret = first.LoginSecret;
            using var browser = new WebSession(first.WebAddress);
            await browser.GetAsync("/login?secret=" + secret); // an old-style link: not taken, and not logged
            await browser.GetAsync("/login?returnUrl=%2F&secret=" + secret);
            await browser.LoginAsync(secret);
            await browser.GetAsync("/");
            await browser.PostFormAsync("/", "/logout", new Dictionary<string, string>());
            await first.StopAsync();

            Assert.Contains(first.Logs.Lines, line => line.Contains("Request starting", StringComparison.Ordinal)); // request logs were on
            var withSecret = first.Logs.Lines.Where(line => line.Contains(secret, StringComparison.Ordinal)).ToList();
            var link = Assert.Single(withSecret);
            Assert.Contains("/login#secret=" + secret, link, StringComparison.Ordinal);
            Assert.Contains("(redacted)", first.Logs.All, StringComparison.Ordinal);
        }

        await using var second = await Harness.StartRelayAsync(Verbose);
        Assert.Equal(secret, second.LoginSecret);
        using (var browser = await WebSession.SignedInAsync(second))
        {
            await browser.GetAsync("/");
        }

        await second.StopAsync();
        Assert.DoesNotContain(second.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
        Assert.Contains(second.Logs.Lines, line => line.Contains(Path.Combine(Harness.DataPath, "web", "login-secret"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecretInTheQuery_DoesNotSignIn()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var browser = new WebSession(relay.WebAddress);

        var response = await browser.GetAsync("/login?secret=" + relay.LoginSecret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the form, not a redirect into the pages
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).StatusCode);
    }
}
