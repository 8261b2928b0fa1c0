using MailKit.Net.Smtp;
using MimeKit;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class InboundEndToEndTests : HarnessTest
{
    [Fact]
    public async Task Ehlo_AdvertisesGmailsSizePipeliningAnd8BitMime()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var client = await relay.ConnectClientAsync();

        Assert.Equal(35_882_577u, client.MaxSize);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size));
    }

    [Fact]
    public async Task MessageOverTheSizeLimit_IsRefusedWith552AndNothingIsStored()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:MaxMessageSize"] = "20000");
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.BeginDataAsync("app@legacy.local", "alice@example.org"); // no SIZE= given: only DATA can tell
        var line = new string('x', 998);
        for (var i = 0; i < 30; i++)
        {
            await smtp.WriteAsync(line);
        }

        await smtp.SendAsync(".", "552");
        Assert.Equal(0, relay.Spool.Count);

        using var client = await relay.ConnectClientAsync();
        var big = Messages.Simple();
        big.Body = new TextPart("plain") { Text = new string('y', 30000) };
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(big));
        Assert.Equal(552, (int)refused.StatusCode); // refused at MAIL FROM … SIZE=, before any byte of DATA
    }

    [Fact]
    public async Task SlowDataLongerThanTheIdleTimeout_IsNotCutOff()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:CommandTimeout"] = "00:00:01");
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.BeginDataAsync("scanner@office.lan", "alice@example.org");
        await smtp.WriteAsync("From: scanner@office.lan\r\nSubject: slow\r\n");
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        for (var i = 0; i < 10; i++) // 2.5 s of DATA, well past the 1 s command timeout
        {
            await pace.WaitForNextTickAsync();
            await smtp.WriteAsync($"line {i}");
        }

        var reply = await smtp.SendAsync(".", "250");
        Assert.Contains("queued as", reply, StringComparison.Ordinal);
        await Harness.Gmail.NextMessageAsync();
    }

    [Fact]
    public async Task Shutdown_MessageInDataStillGets250_NewTransactionGets421()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var a = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await a.BeginDataAsync("erp@legacy.lan", "alice@example.org");
        await a.WriteAsync("Subject: in flight\r\n\r\nfirst half");
        using var b = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await b.SendAsync("HELO cron", "250");

        var stopping = relay.StopAsync();
        await relay.Logs.WaitForAsync(line => line.Contains("SMTP listener stopping", StringComparison.Ordinal));
        var refused = await b.SendAsync("MAIL FROM:<cron@server.lan>", "421");
        await a.WriteAsync("second half");
        var accepted = await a.SendAsync(".", "250");
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("4.3.2", refused, StringComparison.Ordinal);
        Assert.Contains("queued as", accepted, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(Harness.DataPath, "spool", "queue"), "*.eml"));
    }
}
