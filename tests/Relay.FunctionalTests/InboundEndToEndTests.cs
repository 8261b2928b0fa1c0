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
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:MaxMessageSize"] = "20000";
            s[StoredMessages.ArchiveSetting] = "Archive";
        });
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.BeginDataAsync("app@legacy.local", "alice@example.org"); // no SIZE= given: only DATA can tell
        var line = new string('x', 998);
        for (var i = 0; i < 30; i++)
        {
            await smtp.WriteAsync(line);
        }

        await smtp.SendAsync(".", "552");
        Assert.Equal(0, StoredMessages.Count(Harness.DataPath)); // not queued, and not already delivered either

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
        Assert.Equal(1, StoredMessages.Count(Harness.DataPath));
    }

    [Fact]
    public async Task Shutdown_ASessionWaitingForItsNextCommand_IsToldWith421_NotJustCutOff()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var idle = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await idle.SendAsync("EHLO cron", "250");

        var stopping = relay.StopAsync(); // nothing is in DATA: the listener stops at once
        var told = await idle.ExpectAsync("421");

        Assert.Contains("4.3.2", told, StringComparison.Ordinal);
        Assert.True(await idle.ClosedAsync(TimeSpan.FromSeconds(10)));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ServerName_IsTheNameInTheGreetingAndTheEhloReply()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:ServerName"] = "mail-relay.test");
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);

        var ehlo = await smtp.SendAsync("EHLO legacy.local", "250");

        Assert.StartsWith("220 mail-relay.test ", smtp.Greeting, StringComparison.Ordinal);
        Assert.StartsWith("250-mail-relay.test ", ehlo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainTimeout_IsHowLongAMessageInDataMayTakeAtShutdown_ThenItIsCutOffUnacknowledged()
    {
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var relay = await harness.StartRelayAsync(s => s["Relay:Inbound:DrainTimeout"] = "00:01:00");
        using var slow = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await slow.BeginDataAsync("erp@legacy.lan", "alice@example.org");
        await slow.WriteAsync("Subject: never finished\r\n\r\nfirst half");

        var stopping = relay.StopAsync();
        await relay.Logs.WaitForAsync(line => line.Contains("SMTP listener stopping", StringComparison.Ordinal));
        var drainEnds = clock.GetUtcNow() + TimeSpan.FromMinutes(1); // Relay:Inbound:DrainTimeout, not the default 20 s
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!clock.PendingDueTimes().Contains(drainEnds) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10); // the drain's timer is created right after the log line
        }

        Assert.Contains(drainEnds, clock.PendingDueTimes());
        Assert.False(stopping.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, StoredMessages.Count(harness.DataPath)); // no 250 was given, nothing kept
    }
}
