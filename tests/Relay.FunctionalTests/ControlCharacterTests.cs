using System.Text;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>Text a client sent never reaches the operator's terminal or the log with its control characters.</summary>
public sealed class ControlCharacterTests
{
    // An OSC sequence that retitles the terminal, then a CSI that clears it (C1, DEL and the rest: ClientTextTests).
    private const string Hostile = "\u001b]0;owned\u0007\u001b[2J\tred";
    private const string Shown = @"\x1B]0;owned\x07\x1B[2J\x09red";

    [Fact]
    public async Task QueueShowAndList_PrintHeaderValuesWithoutControlCharacters()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await RelayProcess.StartAsync(harness);
        using (var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort))
        {
            await smtp.BeginDataAsync("app@example.com", "rejected.user@example.org"); // refused by the fake Gmail: stays as a dead letter
            await smtp.WriteAsync("From: app@example.com");
            await smtp.WriteAsync("To: rejected.user@example.org");
            await smtp.WriteAsync("Subject: " + Hostile);
            await smtp.WriteAsync("");
            await smtp.WriteAsync("body");
            await smtp.SendAsync(".", "250");
        }

        await relay.WaitForOutputAsync(line => line.Contains("Rejected", StringComparison.Ordinal) && line.Contains("dead-letter", StringComparison.Ordinal));
        var list = await relay.RunCommandAsync("queue", "list");
        var id = Assert.Single(list.Output.Split('\n'), line => line.Contains(" dead ", StringComparison.Ordinal)).Split(' ')[0];
        var show = await relay.RunCommandAsync("queue", "show", id);

        Assert.Equal(0, show.ExitCode);
        Assert.Contains("Subject: " + Shown, show.Output, StringComparison.Ordinal);
        AssertNoControlCharacters(show.Output);
        AssertNoControlCharacters(list.Output);
    }

    [Fact]
    public async Task LoginFailure_LogsTheUserNameWithoutControlCharacters()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:Users:0:Name"] = "scanner";
            s["Relay:Inbound:Users:0:Password"] = "right";
        });
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("EHLO legacy.local", "250");

        // A user name that would retitle and clear the terminal of whoever tails the log (SmtpServer refuses CR and LF in it).
        var user = "scan" + Hostile;
        await smtp.SendAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0wrong")), "535");

        var line = await relay.Logs.WaitForAsync(l => l.Contains("Failed SMTP login", StringComparison.Ordinal));
        Assert.Contains("scan" + Shown, line, StringComparison.Ordinal);
        AssertNoControlCharacters(line.TrimEnd());
    }

    private static void AssertNoControlCharacters(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        Assert.All(lines, line => Assert.DoesNotContain(line, c => char.IsControl(c)));
    }
}
