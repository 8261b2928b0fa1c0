using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MimeKit;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class InboundEndToEndTests : IAsyncLifetime
{
    private RelayHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RelayHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Ehlo_AdvertisesGmailsSizePipeliningAnd8BitMime()
    {
        await using var relay = await _harness.StartRelayAsync();
        using var client = await relay.ConnectClientAsync();

        Assert.Equal(35_882_577u, client.MaxSize);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size));
    }

    [Fact]
    public async Task MessageOverTheSizeLimit_IsRefusedWith552AndNothingIsStored()
    {
        await using var relay = await _harness.StartRelayAsync(s => s["Relay:Inbound:MaxMessageSize"] = "20000");
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", relay.SmtpPort);
        var smtp = new RawSmtp(socket.GetStream());
        await smtp.ExpectAsync("220");
        await smtp.SendAsync("EHLO legacy.local", "250");
        await smtp.SendAsync("MAIL FROM:<app@legacy.local>", "250"); // no SIZE= given: only DATA can tell
        await smtp.SendAsync("RCPT TO:<alice@example.org>", "250");
        await smtp.SendAsync("DATA", "354");
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
        await using var relay = await _harness.StartRelayAsync(s => s["Relay:Inbound:CommandTimeout"] = "00:00:01");
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", relay.SmtpPort);
        var smtp = new RawSmtp(socket.GetStream());
        await smtp.ExpectAsync("220");
        await smtp.SendAsync("HELO scanner", "250");
        await smtp.SendAsync("MAIL FROM:<scanner@office.lan>", "250");
        await smtp.SendAsync("RCPT TO:<alice@example.org>", "250");
        await smtp.SendAsync("DATA", "354");
        await smtp.WriteAsync("From: scanner@office.lan\r\nSubject: slow\r\n");
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        for (var i = 0; i < 10; i++) // 2.5 s of DATA, well past the 1 s command timeout
        {
            await pace.WaitForNextTickAsync();
            await smtp.WriteAsync($"line {i}");
        }

        var reply = await smtp.SendAsync(".", "250");
        Assert.Contains("queued as", reply, StringComparison.Ordinal);
        await _harness.Gmail.NextMessageAsync();
    }

    [Fact]
    public async Task Shutdown_MessageInDataStillGets250_NewTransactionGets421()
    {
        await using var relay = await _harness.StartRelayAsync();
        using var receiving = new TcpClient();
        await receiving.ConnectAsync("127.0.0.1", relay.SmtpPort);
        var a = new RawSmtp(receiving.GetStream());
        await a.ExpectAsync("220");
        await a.SendAsync("HELO erp", "250");
        await a.SendAsync("MAIL FROM:<erp@legacy.lan>", "250");
        await a.SendAsync("RCPT TO:<alice@example.org>", "250");
        await a.SendAsync("DATA", "354");
        await a.WriteAsync("Subject: in flight\r\n\r\nfirst half");
        using var latecomer = new TcpClient();
        await latecomer.ConnectAsync("127.0.0.1", relay.SmtpPort);
        var b = new RawSmtp(latecomer.GetStream());
        await b.ExpectAsync("220");
        await b.SendAsync("HELO cron", "250");

        var stopping = relay.StopAsync();
        await relay.Logs.WaitForAsync(line => line.Contains("SMTP listener stopping", StringComparison.Ordinal));
        var refused = await b.SendAsync("MAIL FROM:<cron@server.lan>", "421");
        await a.WriteAsync("second half");
        var accepted = await a.SendAsync(".", "250");
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("4.3.2", refused, StringComparison.Ordinal);
        Assert.Contains("queued as", accepted, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(_harness.DataPath, "spool", "queue"), "*.eml"));
    }

    /// <summary>A bare SMTP conversation, for what a library client would not send.</summary>
    private sealed class RawSmtp(NetworkStream stream)
    {
        private readonly StreamReader _reader = new(stream, Encoding.ASCII);

        public async Task WriteAsync(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));

        public async Task<string> SendAsync(string line, string expectedCode)
        {
            await WriteAsync(line);
            return await ExpectAsync(expectedCode);
        }

        public async Task<string> ExpectAsync(string expectedCode)
        {
            string? line;
            var all = new StringBuilder();
            do
            {
                line = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.NotNull(line);
                all.AppendLine(line);
            }
            while (line.Length > 3 && line[3] == '-');

            Assert.StartsWith(expectedCode, line, StringComparison.Ordinal);
            return all.ToString();
        }
    }
}
