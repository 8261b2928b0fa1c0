using System.Text;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>One From, at most one Sender, no bare CR (RFC 5322 §3.6), the line limits of RFC 5321 §4.5.3.1, and a DATA that stalls.</summary>
public sealed class MessagePolicyEndToEndTests : HarnessTest
{
    public static TheoryData<string, bool> Malformed() => new()
    {
        { "From: a@helpdesk.local\r\nFrom: b@elsewhere.example\r\n", false },
        { "From: a@helpdesk.local\r\nFrom: b@elsewhere.example\r\n", true },
        { "From: a@helpdesk.local\r\nSender: s@helpdesk.local\r\nSender: t@elsewhere.example\r\n", false },
        { "From: a@helpdesk.local\r\nSender: s@helpdesk.local\r\nSender: t@elsewhere.example\r\n", true },
        { "From: a@helpdesk.local\r\nSubject: bare\rCR\r\n", false },
        { "From: a@helpdesk.local\r\nSubject: bare\rCR\r\n", true },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedHeaderBlock_IsRefusedAtTheEndOfData_AndNothingIsStored(string headers, bool allowedSenders)
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            if (allowedSenders)
            {
                s["Relay:Inbound:AllowedSenders:0"] = "@helpdesk.local";
            }
        });
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.BeginDataAsync("a@helpdesk.local", "alice@example.org");

        var reply = await smtp.SendMessageAsync(Encoding.ASCII.GetBytes(headers + "To: alice@example.org\r\n\r\nbody\r\n"), "550");

        Assert.StartsWith("550 5.6.0 ", reply, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", reply, StringComparison.Ordinal);
        Assert.Empty(relay.Spool.List());
    }

    [Fact]
    public async Task SecondFromAddress_OutsideTheAllowedSenders_IsRefused()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:AllowedSenders:0"] = "@helpdesk.local");
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.BeginDataAsync("a@helpdesk.local", "alice@example.org");

        var reply = await smtp.SendMessageAsync("From: a@helpdesk.local, b@elsewhere.example\r\nSender: a@helpdesk.local\r\n\r\nbody\r\n"u8.ToArray(), "550");

        Assert.StartsWith("550 5.7.1 ", reply, StringComparison.Ordinal);
        Assert.Empty(relay.Spool.List());
    }

    [Theory]
    [InlineData("MAIL FROM:<{0}@helpdesk.local>", 10_000, "500 5.5.2 Line too long")]
    [InlineData("HELO {0}", 510, "500 5.5.2 Line too long")]
    [InlineData("EHLO {0}", 600, "500 5.5.2 Line too long")]
    public async Task OverLongCommandLines_AreRefused(string command, int padding, string expected)
    {
        await using var relay = await Harness.StartRelayAsync();
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("HELO legacy.local", "250");

        var reply = await smtp.SendAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, command, new string('a', padding)), "500");

        Assert.StartsWith(expected, reply, StringComparison.Ordinal);
        await smtp.SendAsync("MAIL FROM:<a@helpdesk.local> SIZE=1000 BODY=8BITMIME", "250"); // the session goes on
    }

    [Fact]
    public async Task CommandLineThatNeverEnds_IsCutOffAt64KiB_NotBufferedOn()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("HELO legacy.local", "250");

        await smtp.WriteRawAsync(new string('a', 70 * 1024));
        var reply = await smtp.ExpectAsync("500");

        Assert.StartsWith("500 5.5.2 Line too long", reply, StringComparison.Ordinal);
        Assert.True(await smtp.ClosedAsync(TimeSpan.FromSeconds(10)));
        await WaitForAsync(() => relay.Logs.Lines.Any(line => line.Contains("LineTooLong", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SilentClientInData_GetsA421_AndIsDisconnected_BeforeTheSessionLimit()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:DataTimeout"] = "00:00:01");
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.BeginDataAsync("a@helpdesk.local", "alice@example.org");
        await smtp.WriteAsync("Subject: a message that never ends");

        var reply = await smtp.ExpectAsync("421");

        Assert.StartsWith("421 4.4.2 ", reply, StringComparison.Ordinal);
        Assert.True(await smtp.ClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(relay.Spool.List());
        await WaitForAsync(() => relay.Logs.Lines.Any(line => line.Contains("DataIdle", StringComparison.Ordinal)));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
