using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MailKit.Security;
using MimeKit;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>Never an open relay: who may connect, who may send, how many at once.</summary>
public sealed class PolicyEndToEndTests : HarnessTest
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1/32", true)]
    [InlineData("127.0.0.2", "127.0.0.1/32", false)]
    [InlineData("127.0.0.2", "127.0.0.0/8", true)]
    [InlineData("127.0.0.3", "10.0.0.0/8,192.168.0.0/16", false)]
    public async Task ClientAddress_IsCheckedAgainstTheAllowedNetworks(string clientAddress, string allowed, bool served)
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            var networks = allowed.Split(',');
            for (var i = 0; i < networks.Length; i++)
            {
                s[$"Relay:Inbound:AllowedNetworks:{i}"] = networks[i];
            }
        });

        var greeting = await GreetingFromAsync(clientAddress, relay.SmtpPort);

        if (served)
        {
            Assert.StartsWith("220 ", greeting, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal($"554 5.7.1 {clientAddress} is not allowed to use this relay", greeting);
            Assert.Contains(relay.Logs.Lines, line => line.Contains($"Refused a client from {clientAddress}", StringComparison.Ordinal) || line.Contains($"\"{clientAddress}\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ProxyCommand_CannotChooseTheAddressPolicySees()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:AllowedNetworks:0"] = "127.0.0.1/32");
        using var socket = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        await socket.ConnectAsync(IPAddress.Loopback, relay.SmtpPort);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("PROXY TCP4 127.0.0.1 127.0.0.1 40000 25\r\nEHLO evil\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);

        Assert.Equal("554 5.7.1 127.0.0.2 is not allowed to use this relay", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AllowedSenders_RefuseOtherEnvelopeAndHeaderSenders()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:AllowedSenders:0"] = "@helpdesk.local";
            s["Relay:Inbound:AllowedSenders:1"] = "scanner@office.lan";
            s[StoredMessages.ArchiveSetting] = "Archive";
        });

        await relay.SendAsync(Messages.Simple()); // glpi@helpdesk.local
        var envelope = await Assert.ThrowsAsync<SmtpCommandException>(() => relay.SendAsync(Messages.Simple(from: "Spam <spam@elsewhere.example>")));
        Assert.Equal(550, (int)envelope.StatusCode);
        Assert.Contains("5.7.1", envelope.Message, StringComparison.Ordinal);

        using var client = await relay.ConnectClientAsync();
        var forged = Messages.Simple(from: "Boss <boss@elsewhere.example>");
        var header = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(forged, new MailboxAddress("", "scanner@office.lan"), [new MailboxAddress("", "alice@example.org")]));
        Assert.Equal(550, (int)header.StatusCode);
        Assert.Equal(1, StoredMessages.Count(Harness.DataPath)); // only the allowed one was stored (queued or already delivered)
        await Harness.Gmail.NextMessageAsync();
    }

    [Fact]
    public async Task HundredAndFirstRecipient_Gets452_AndTheRestGoInANewTransaction()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("HELO erp", "250");
        await smtp.SendAsync("MAIL FROM:<erp@legacy.lan>", "250");
        for (var i = 0; i < 100; i++)
        {
            await smtp.SendAsync($"RCPT TO:<user{i}@example.org>", "250");
        }

        var refused = await smtp.SendAsync("RCPT TO:<user100@example.org>", "452");
        Assert.Contains("4.5.3", refused, StringComparison.Ordinal);
        await smtp.SendAsync("DATA", "354");
        await smtp.SendAsync("Subject: many\r\n\r\nhello\r\n.", "250");
        await smtp.SendAsync("MAIL FROM:<erp@legacy.lan>", "250"); // the rest, in a new transaction
        await smtp.SendAsync("RCPT TO:<user100@example.org>", "250");
        await smtp.SendAsync("DATA", "354");
        await smtp.SendAsync("Subject: many\r\n\r\nhello\r\n.", "250");

        var first = await Harness.Gmail.NextMessageAsync();
        var second = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(101, first.Recipients.Concat(second.Recipients).Distinct().Count());
    }

    [Fact]
    public async Task AnAccountsOwnRecipientLimit_IsTheLimitAtRcpt_WhenTheRouteIsKnownThen()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s =>
        {
            s.Remove("Relay:Account:Address");
            s["Relay:Accounts:0:Name"] = "small";
            s["Relay:Accounts:0:Address"] = RelayHarness.Account;
            s["Relay:Accounts:0:Quota:MaxRecipientsPerMessage"] = "2";
        });
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("HELO erp", "250");
        await smtp.SendAsync("MAIL FROM:<erp@legacy.lan>", "250");
        await smtp.SendAsync("RCPT TO:<one@example.org>", "250");
        await smtp.SendAsync("RCPT TO:<two@example.org>", "250");

        var refused = await smtp.SendAsync("RCPT TO:<three@example.org>", "452");

        Assert.Contains("4.5.3 Too many recipients: at most 2 per message", refused, StringComparison.Ordinal);
        await smtp.SendAsync("RSET", "250");
        await smtp.SendAsync("MAIL FROM:<erp@legacy.lan>", "250"); // a new transaction starts from zero
        await smtp.SendAsync("RCPT TO:<three@example.org>", "250");
    }

    [Fact]
    public async Task ConnectionsOverTheCap_Get421_WhileANormalClientIsStillServed()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:MaxConnections"] = "10";
            s["Relay:Inbound:MaxConnectionsPerClient"] = "3";
        });
        var hogs = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var hog = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0));
                await hog.ConnectAsync(IPAddress.Loopback, relay.SmtpPort);
                hogs.Add(hog);
                Assert.StartsWith("220 ", await new StreamReader(hog.GetStream()).ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
            }

            Assert.Equal("421 4.7.0 Too many connections, try again later", await GreetingFromAsync("127.0.0.9", relay.SmtpPort));
            await relay.SendAsync(Messages.Simple()); // from 127.0.0.1: served
            await Harness.Gmail.NextMessageAsync();
        }
        finally
        {
            hogs.ForEach(hog => hog.Dispose());
        }
    }

    [Fact]
    public async Task ConnectionsOverTheGlobalCap_FromSeveralClients_Get421_AndASlotFreedServesTheNext()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:MaxConnections"] = "4";
            s["Relay:Inbound:MaxConnectionsPerClient"] = "2";
        });
        var clients = new List<TcpClient>();
        try
        {
            // 127.0.0.2 and 127.0.0.3 are loopback too (Linux routes 127/8 to lo): two clients, each within its own cap.
            foreach (var address in new[] { "127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3" })
            {
                var client = new TcpClient(new IPEndPoint(IPAddress.Parse(address), 0));
                await client.ConnectAsync(IPAddress.Loopback, relay.SmtpPort);
                clients.Add(client);
                Assert.StartsWith("220 ", await new StreamReader(client.GetStream()).ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
            }

            // A third client, with no connection of its own yet, is over the global cap only.
            Assert.Equal("421 4.7.0 Too many connections, try again later", await GreetingFromAsync("127.0.0.4", relay.SmtpPort));
            Assert.Contains(relay.Logs.Lines, line => line.Contains("127.0.0.4", StringComparison.Ordinal) && line.Contains("too many connections", StringComparison.Ordinal) && !line.Contains("from this client", StringComparison.Ordinal));

            clients[0].Dispose();
            var factory = relay.App.Services.GetRequiredService<Relay.Inbound.InboundListenerFactory>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (factory.Connections >= 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20); // the relay notices the close on its own schedule; no event to wait on from outside
            }

            Assert.StartsWith("220 ", await GreetingFromAsync("127.0.0.4", relay.SmtpPort), StringComparison.Ordinal);
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    private static async Task<string> GreetingFromAsync(string clientAddress, int port)
    {
        using var socket = new TcpClient(new IPEndPoint(IPAddress.Parse(clientAddress), 0));
        await socket.ConnectAsync(IPAddress.Loopback, port);
        using var reader = new StreamReader(socket.GetStream(), Encoding.ASCII);
        return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? "(closed)";
    }
}
