using System.Text;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// Messages being received share a memory budget (Relay:Inbound:MessageMemory): past it a client is told to come back
/// (452 at MAIL FROM, 421 mid-DATA), and what it is then given a 250 for is delivered whole.
/// </summary>
public sealed class MessageMemoryTests : HarnessTest
{
    private static byte[] Message(string subject, int bodyBytes)
    {
        var line = new string('m', 76) + "\r\n";
        var body = new StringBuilder();
        while (body.Length < bodyBytes)
        {
            body.Append(line);
        }

        return Encoding.ASCII.GetBytes($"From: app@legacy.lan\r\nTo: alice@example.org\r\nSubject: {subject}\r\n\r\n{body}");
    }

    /// <summary>The Subject line and the body, which the relay passes on as they came (it rewrites From and adds Reply-To).</summary>
    private static string Body(byte[] message)
    {
        var text = Encoding.ASCII.GetString(message);
        var subject = text[text.IndexOf("Subject:", StringComparison.Ordinal)..];
        return subject[..subject.IndexOf('\r', StringComparison.Ordinal)] + "|" + text[text.IndexOf("\r\n\r\n", StringComparison.Ordinal)..];
    }

    [Fact]
    public async Task DeclaredSizeBeyondWhatIsLeft_Gets452AtMailFrom_AndTheRetryIsDelivered()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:MaxMessageSize"] = "1000000";
            s["Relay:Inbound:MessageMemory"] = "1500000";
        });
        var first = Message("first", 850_000);
        var second = Message("second", 850_000);
        using var a = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await a.SendAsync("EHLO legacy.local", "250");
        await a.SendAsync($"MAIL FROM:<app@legacy.lan> SIZE={first.Length}", "250");
        await a.SendAsync("RCPT TO:<alice@example.org>", "250");
        await a.SendAsync("DATA", "354");

        using var b = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await b.SendAsync("EHLO legacy.local", "250");
        var refused = await b.SendAsync($"MAIL FROM:<app@legacy.lan> SIZE={second.Length}", "452");
        Assert.Contains("4.3.1", refused, StringComparison.Ordinal);

        await a.SendMessageAsync(first, "250");
        await b.SendAsync($"MAIL FROM:<app@legacy.lan> SIZE={second.Length}", "250");
        await b.SendAsync("RCPT TO:<alice@example.org>", "250");
        await b.SendAsync("DATA", "354");
        await b.SendMessageAsync(second, "250");

        var delivered = new[] { await Harness.Gmail.NextMessageAsync(), await Harness.Gmail.NextMessageAsync() };
        Assert.Equal(new[] { Body(first), Body(second) }.Order(), delivered.Select(m => Body(m.Data)).Order());
    }

    [Fact]
    public async Task UndeclaredMessageOutgrowingWhatIsLeft_IsCutOffWith421_AndTheOtherIsDeliveredWhole()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:MaxMessageSize"] = "600000";
            s["Relay:Inbound:MessageMemory"] = "600000";
        });
        var first = Message("first", 100_000);
        using var a = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await a.BeginDataAsync("app@legacy.lan", "alice@example.org"); // no SIZE: holds the first 256 KiB

        using var b = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await b.BeginDataAsync("app@legacy.lan", "alice@example.org");
        var big = Message("second", 400_000);
        await b.WriteRawAsync(Encoding.ASCII.GetString(big));
        var cut = await b.ExpectAsync("421");
        Assert.Contains("4.3.1", cut, StringComparison.Ordinal);
        Assert.True(await b.ClosedAsync(TimeSpan.FromSeconds(10)));

        await a.SendMessageAsync(first, "250");
        Assert.Equal(Body(first), Body((await Harness.Gmail.NextMessageAsync()).Data));
        Assert.Single(relay.Logs.Lines, line => line.Contains("Accepted ", StringComparison.Ordinal)); // the cut message was never stored
    }

    [Fact]
    public async Task ASenderRefusedAtMailFrom_HoldsNoMemory_WhileItStaysConnected()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:MaxMessageSize"] = "1000000";
            s["Relay:Inbound:MessageMemory"] = "1000000";
            s["Relay:Inbound:AllowedSenders:0"] = "@legacy.lan";
        });
        using var refused = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await refused.SendAsync("EHLO elsewhere.example", "250");
        await refused.SendAsync("MAIL FROM:<someone@elsewhere.example> SIZE=900000", "550");

        using var allowed = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await allowed.SendAsync("EHLO legacy.local", "250");
        var reply = await allowed.SendAsync("MAIL FROM:<app@legacy.lan> SIZE=900000", "250");

        Assert.StartsWith("250", reply, StringComparison.Ordinal);
    }
}
