using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary><c>relay authorize</c> and <c>relay revoke</c> as a person runs them next to the relay (e.g. <c>docker compose exec</c>).</summary>
public sealed class AuthorizeCommandTests : HarnessTest
{
    [Fact]
    public async Task RelayAuthorize_PrintsTheAddress_TakesThePastedOne_AndTheRunningRelayDelivers()
    {
        await using var relay = await RelayProcess.StartAsync(Harness, s => s.Remove("Relay:Google:RefreshToken"));
        await SendAsync(relay.SmtpPort);

        var (exitCode, output) = await relay.RunInteractiveAsync(
            async line => line.Trim().StartsWith(Harness.OAuth.AuthorizationEndpoint, StringComparison.Ordinal)
                ? await FakeGoogleOAuthServer.ConsentAsync(line.Trim()) // the browser on another machine; the address is pasted back
                : null,
            "authorize");

        Assert.True(exitCode == 0, output);
        Assert.Contains("relay.account@example.com is authorized", output, StringComparison.Ordinal);
        Assert.Equal("relay.account@example.com", (await Harness.Gmail.NextMessageAsync()).AuthUser);

        var revoke = await relay.RunCommandAsync("revoke");
        Assert.True(revoke.ExitCode == 0, revoke.Output + revoke.Error);
        Assert.Contains(Harness.OAuth.IssuedRefreshTokens.Last(), Harness.OAuth.Revoked);
    }

    [Fact]
    public async Task RelayAuthorize_BrowserOnTheSameMachine_TheRelayCatchesTheRedirectItself()
    {
        await using var relay = await RelayProcess.StartAsync(Harness, s => s.Remove("Relay:Google:RefreshToken"));
        using var browser = new HttpClient();

        var (exitCode, output) = await relay.RunInteractiveAsync(
            async line =>
            {
                if (line.Trim().StartsWith(Harness.OAuth.AuthorizationEndpoint, StringComparison.Ordinal))
                {
                    var back = await FakeGoogleOAuthServer.ConsentAsync(line.Trim());
                    var page = await browser.GetStringAsync(back); // Google's redirect lands on the relay's own callback, which hands it to the command
                    Assert.Contains("The 'relay authorize' command that started this authorization finishes it", System.Net.WebUtility.HtmlDecode(page), StringComparison.Ordinal);
                }

                return null; // nothing typed
            },
            "authorize");

        Assert.True(exitCode == 0, output);
        Assert.Contains("relay.account@example.com is authorized", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayAuthorize_GarbagePasted_SaysWhatToPaste()
    {
        await using var relay = await RelayProcess.StartAsync(Harness, s => s.Remove("Relay:Google:RefreshToken"));

        var (exitCode, output) = await relay.RunInteractiveAsync(
            line => Task.FromResult(line.Trim().StartsWith("http", StringComparison.Ordinal) ? "the code was 4/abc" : null),
            "authorize");

        Assert.Equal(1, exitCode);
        Assert.Contains("copy the whole address", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayAuthorize_AnotherAccount_ReplacesOnlyWithReplace_AndTheReplacedTokenIsRevoked()
    {
        await using var relay = await RelayProcess.StartAsync(Harness, s =>
        {
            s.Remove("Relay:Google:RefreshToken");
            s.Remove("Relay:Account:Address");
        });
        Func<string, Task<string?>> consent = async line => line.Trim().StartsWith(Harness.OAuth.AuthorizationEndpoint, StringComparison.Ordinal)
            ? await FakeGoogleOAuthServer.ConsentAsync(line.Trim())
            : null;
        var first = await relay.RunInteractiveAsync(consent, "authorize");
        Assert.True(first.ExitCode == 0, first.Output);
        var replaced = Harness.OAuth.IssuedRefreshTokens.Last();
        Harness.OAuth.ConsentAccount = "other.account@example.com";

        var (refusedCode, refusedOutput) = await relay.RunInteractiveAsync(consent, "authorize");
        var (exitCode, output) = await relay.RunInteractiveAsync(consent, "authorize", "--replace");

        Assert.True(refusedCode == 1 && refusedOutput.Contains("run 'relay authorize --replace'", StringComparison.Ordinal), refusedOutput);
        Assert.True(exitCode == 0, output);
        Assert.Contains("other.account@example.com is authorized", output, StringComparison.Ordinal);
        Assert.Contains(replaced, Harness.OAuth.Revoked);
    }

    private static async Task SendAsync(int port)
    {
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(Messages.Simple());
        await client.DisconnectAsync(true);
    }
}
