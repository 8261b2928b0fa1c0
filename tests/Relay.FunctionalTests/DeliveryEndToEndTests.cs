using System.Text;
using MailKit.Net.Smtp;
using MimeKit;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class DeliveryEndToEndTests : HarnessTest
{
    [Fact]
    public async Task MailKitClient_MessageArrivesWithRewrittenFromAndUntouchedRest()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Spool:Delivered"] = "Archive");
        var message = Messages.Simple();
        message.Cc.Add(MailboxAddress.Parse("bob@example.net"));
        message.Bcc.Add(MailboxAddress.Parse("hidden@example.com"));
        message.Headers.Add("X-Ticket", "42");

        string reply;
        using (var client = await relay.ConnectClientAsync())
        {
            // FormatOptions.Default keeps the Bcc header, as many legacy clients send it.
            reply = await client.SendAsync(FormatOptions.Default, message);
            await client.DisconnectAsync(true);
        }

        Assert.Contains("queued as", reply, StringComparison.Ordinal);
        var received = await Harness.Gmail.NextMessageAsync();
        var (entry, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Delivered, outcome.Result);

        Assert.Equal(RelayHarness.Account, received.AuthUser);
        Assert.Equal(RelayHarness.Account, received.MailFrom);
        Assert.Equal(["alice@example.org", "bob@example.net", "hidden@example.com"], received.Recipients.Order());

        // What the relay got from the client, kept because Delivered=Archive.
        var original = StoredMessages.Bytes(Harness.DataPath, "delivered", entry.Id);
        var (originalHeaders, originalBody) = Messages.Split(original);
        var (headers, body) = Messages.Split(received.Data);
        Assert.Equal(originalBody, body);
        var expected = originalHeaders
            .Replace("From: GLPI Helpdesk <glpi@helpdesk.local>\r\n", $"From: GLPI Helpdesk <{RelayHarness.Account}>\r\n", StringComparison.Ordinal)
            .Replace("Bcc: hidden@example.com\r\n", string.Empty, StringComparison.Ordinal)
            + "Reply-To: GLPI Helpdesk <glpi@helpdesk.local>\r\n";
        Assert.Contains("Bcc: hidden@example.com", originalHeaders, StringComparison.Ordinal);
        Assert.Equal(expected, headers);
    }

    [Fact]
    public async Task SystemNetMailClient_MessageArrivesWithBccDeliveredButHidden()
    {
        await using var relay = await Harness.StartRelayAsync();
        using (var client = new System.Net.Mail.SmtpClient("127.0.0.1", relay.SmtpPort))
        using (var mail = new System.Net.Mail.MailMessage())
        {
            mail.From = new System.Net.Mail.MailAddress("scanner@office.lan", "Scanner 3e étage");
            mail.To.Add("alice@example.org");
            mail.Bcc.Add("archive@example.com");
            mail.Subject = "Document numérisé";
            mail.Body = "Voir la pièce jointe.";
            mail.BodyEncoding = Encoding.UTF8;
            mail.SubjectEncoding = Encoding.UTF8;
            await client.SendMailAsync(mail);
        }

        var received = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(RelayHarness.Account, received.MailFrom);
        Assert.Equal(["alice@example.org", "archive@example.com"], received.Recipients.Order());
        var parsed = MimeMessage.Load(new MemoryStream(received.Data));
        var from = Assert.Single(parsed.From.Mailboxes);
        Assert.Equal(RelayHarness.Account, from.Address);
        Assert.Equal("Scanner 3e étage", from.Name);
        Assert.Equal("scanner@office.lan", Assert.Single(parsed.ReplyTo.Mailboxes).Address);
        Assert.Empty(parsed.Bcc);
        Assert.DoesNotContain("archive@example.com", received.Text, StringComparison.Ordinal);
        Assert.Equal("Document numérisé", parsed.Subject);
    }

    [Fact]
    public async Task SeveralMessages_ShareOneUpstreamConnection()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Outbound:Concurrency"] = "1");
        for (var i = 0; i < 4; i++)
        {
            await relay.SendAsync(Messages.Simple($"message {i}"));
            await Harness.Gmail.NextMessageAsync();
        }

        Assert.Equal(1, Harness.Gmail.Connections);
        Assert.Equal(1, Harness.OAuth.RefreshCount);
    }

    [Fact]
    public async Task UpstreamClosedTheConnection_NoopNoticesAndTheRelayReconnects()
    {
        Harness.Gmail.CloseAfterMessage = true;
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Outbound:Concurrency"] = "1");
        for (var i = 0; i < 3; i++)
        {
            await relay.SendAsync(Messages.Simple($"message {i}"));
            var (_, outcome) = await relay.NextOutcomeAsync();
            Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        }

        Assert.Equal(3, Harness.Gmail.Messages.Count);
        Assert.Equal(3, Harness.Gmail.Connections);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BodyGoesByBdatWhereChunkingIsOffered_ElseByData_TheSameBytesEitherWay(bool chunking)
    {
        Harness.Gmail.OffersChunking = chunking;
        await using var relay = await Harness.StartRelayAsync();
        // Lines that DATA must dot-stuff and BDAT must not, and an 8-bit body.
        var body = "\r\n\r\n.leading dot\r\n..two\r\n.\r\ncaf\u00e9\r\n";
        var sent = Encoding.UTF8.GetBytes("From: app@legacy.lan\r\nTo: alice@example.org\r\nSubject: dots\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit" + body);

        await RawSmtp.SendOneAsync(relay.SmtpPort, "app@legacy.lan", "alice@example.org", sent, "BODY=8BITMIME");
        var received = await Harness.Gmail.NextMessageAsync();

        Assert.Equal(chunking, received.Chunked);
        Assert.EndsWith(body, received.Text, StringComparison.Ordinal);
        Assert.Contains("BODY=8BITMIME", received.MailParameters, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentClients_EveryMessageDeliveredOnce()
    {
        await using var relay = await Harness.StartRelayAsync();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => relay.SendAsync(Messages.Simple($"parallel {i}"))));
        var subjects = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            subjects.Add(MimeMessage.Load(new MemoryStream((await Harness.Gmail.NextMessageAsync()).Data)).Subject ?? string.Empty);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"parallel {i}").Order(), subjects.Order());
        Assert.Equal(1, Harness.OAuth.RefreshCount);
    }
}
