using System.Text;
using MimeKit;
using Relay.Outbound;
using Relay.Spool;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// What leaves is what came in: every recipient a client may legally write is delivered as written (or refused at
/// RCPT), and the message reaches the upstream byte for byte except the headers the rewrite promises to change.
/// </summary>
public sealed class FidelityEndToEndTests : HarnessTest
{

    [Fact]
    public async Task QuotedAndInternationalRecipients_AreDeliveredAsWritten_NextToAnOrdinaryOne()
    {
        await using var relay = await Harness.StartRelayAsync();
        using (var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort))
        {
            await smtp.SendAsync("EHLO legacy.local", "250");
            await smtp.SendAsync($"MAIL FROM:<{ClientShapedMessages.Sender}> SMTPUTF8", "250");
            await smtp.SendAsync("RCPT TO:<\"john doe\"@example.com>", "250");
            await smtp.SendUtf8Async("RCPT TO:<jöe@exämple.com>", "250");
            await smtp.SendAsync("RCPT TO:<alice@example.org>", "250");
            await smtp.SendAsync("DATA", "354");
            await smtp.SendMessageAsync(ClientShapedMessages.EightBitLabelOverAscii, "250");
        }

        var received = await Harness.Gmail.NextMessageAsync();
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Equal(["\"john doe\"@example.com", "jöe@exämple.com", "alice@example.org"], received.Recipients);
        Assert.Contains("SMTPUTF8", received.MailParameters.Split(' '));
    }

    [Fact]
    public async Task UpstreamWithoutSmtpUtf8_GetsTheDomainAsALabel_AndOnlyTheUtf8LocalPartIsRefused()
    {
        Harness.Gmail.OffersSmtpUtf8 = false;
        await using var relay = await Harness.StartRelayAsync();
        using (var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort))
        {
            await smtp.SendAsync("EHLO legacy.local", "250");
            await smtp.SendAsync($"MAIL FROM:<{ClientShapedMessages.Sender}> SMTPUTF8", "250");
            await smtp.SendUtf8Async("RCPT TO:<joe@exämple.com>", "250");
            await smtp.SendUtf8Async("RCPT TO:<jöe@example.com>", "250");
            await smtp.SendAsync("RCPT TO:<alice@example.org>", "250");
            await smtp.SendAsync("DATA", "354");
            await smtp.SendMessageAsync(ClientShapedMessages.EightBitLabelOverAscii, "250");
        }

        var received = await Harness.Gmail.NextMessageAsync();
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(["joe@xn--exmple-cua.com", "alice@example.org"], received.Recipients);
        Assert.DoesNotContain("SMTPUTF8", received.MailParameters.Split(' '));
        Assert.Equal(DeliveryResult.PartiallyDelivered, outcome.Result);
        var refused = Assert.Single(outcome.Refused);
        Assert.Equal("jöe@example.com", refused.Address);
        Assert.StartsWith("5.6.7", refused.Reply, StringComparison.Ordinal);
        var dead = Assert.Single(relay.Spool.List(), entry => entry.State == SpoolState.Dead);
        Assert.Equal(["jöe@example.com"], dead.Recipients);
    }

    [Fact]
    public async Task UndeliverableAddresses_AreRefusedAtRcpt_AndTheOthersGoOut()
    {
        await using var relay = await Harness.StartRelayAsync();
        using (var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort))
        {
            await smtp.SendAsync("EHLO legacy.local", "250");
            await smtp.SendAsync($"MAIL FROM:<{ClientShapedMessages.Sender}>", "250");
            var longLocal = await smtp.SendAsync($"RCPT TO:<{new string('a', 65)}@example.com>", "553");
            var unicodeWithoutSmtpUtf8 = await smtp.SendUtf8Async("RCPT TO:<jöe@example.com>", "553");
            var longPath = await smtp.SendAsync($"RCPT TO:<a@{string.Join('.', Enumerable.Repeat(new string('b', 60), 5))}.com>", "501");
            await smtp.SendAsync("RCPT TO:<alice@example.org>", "250");
            await smtp.SendAsync("DATA", "354");
            await smtp.SendMessageAsync(ClientShapedMessages.EightBitLabelOverAscii, "250");

            Assert.StartsWith("553 5.1.3 The local part is longer than 64 octets", longLocal, StringComparison.Ordinal);
            Assert.StartsWith("553 5.6.7 ", unicodeWithoutSmtpUtf8, StringComparison.Ordinal);
            Assert.StartsWith("501 5.1.3 The address is longer than 256 octets", longPath, StringComparison.Ordinal);
        }

        var received = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(["alice@example.org"], received.Recipients);
    }

    public static TheoryData<string> Shapes() => [.. ClientShapedMessages.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task ClientShapedMessage_ArrivesByteForByte_ExceptTheRewrittenHeaders(string name)
    {
        var sent = ClientShapedMessages.All.Single(m => m.Name == name).Message;
        await using var relay = await Harness.StartRelayAsync();

        var received = await SendAsync(relay, sent);

        RewriteComparison.AssertSameExceptRewrite(sent, received.Data);
        var (headerLength, bodyStart) = MessageBytes.Split(sent);
        Assert.Equal(MessageBytes.HasEightBit(sent.AsSpan(bodyStart)), received.MailParameters.Split(' ').Contains("BODY=8BITMIME"));
        Assert.Equal(MessageBytes.HasEightBit(sent.AsSpan(0, headerLength)), received.MailParameters.Split(' ').Contains("SMTPUTF8"));
        var from = Assert.Single(MimeMessage.Load(new MemoryStream(received.Data)).From.Mailboxes);
        Assert.Equal(RelayHarness.Account, from.Address);
    }

    [Fact]
    public async Task BareLfLinesStuffedByTheClient_AsPythonSendmailDoes_AreStoredAndSentAsWritten()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Spool:Delivered"] = "Archive");
        // smtplib.sendmail(from, to, msg.as_bytes()): LF-only lines, a dot doubled after each bare LF, CRLF added at the end.
        var written = Encoding.ASCII.GetBytes("From: cron@legacy.lan\nTo: alice@example.org\nSubject: report\n\n.hidden file listed\nplain\n..two dots\nend\r\n");

        var reply = await RawSmtp.SendOneAsync(relay.SmtpPort, "cron@legacy.lan", "alice@example.org", written, $"SIZE={written.Length}");
        var received = await Harness.Gmail.NextMessageAsync();
        var (entry, _) = await relay.NextOutcomeAsync();

        Assert.StartsWith("250", reply, StringComparison.Ordinal);
        Assert.Equal(written, StoredMessages.Bytes(Harness.DataPath, "delivered", entry.Id));
        Assert.EndsWith("\n.hidden file listed\nplain\n..two dots\nend\r\n", received.Text, StringComparison.Ordinal); // the body as written; the header block is the rewrite's
    }

    [Fact]
    public async Task LongLine_ReencodesThatPartAlone_AndSaysSo()
    {
        var sent = ClientShapedMessages.LongLine;
        await using var relay = await Harness.StartRelayAsync();

        var received = await SendAsync(relay, sent);
        await relay.NextOutcomeAsync(); // the change is logged once the send is over

        var text = Encoding.UTF8.GetString(received.Data);
        Assert.True(MessageBytes.LongestLine(received.Data) <= 998);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", text, StringComparison.Ordinal);
        var original = Encoding.UTF8.GetString(sent);
        Assert.EndsWith(original[original.LastIndexOf("--long-1\r\nContent-Type: text/plain; charset=us-ascii; name=notes.txt", StringComparison.Ordinal)..], text, StringComparison.Ordinal);
        Assert.Contains(relay.Logs.Lines, line => line.Contains("re-encoded from 7bit to quoted-printable: a line over 998 octets", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpstreamWithoutEightBitMime_GetsTheEightBitPartReencoded_AndNoBodyParameter()
    {
        Harness.Gmail.Offers8BitMime = false;
        var sent = ClientShapedMessages.EightBitAndAsciiParts;
        await using var relay = await Harness.StartRelayAsync();

        var received = await SendAsync(relay, sent);

        Assert.False(MessageBytes.HasEightBit(received.Data));
        Assert.DoesNotContain("BODY=8BITMIME", received.MailParameters, StringComparison.Ordinal);
        Assert.Contains("\r\n--mix-1\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nUnchanged ASCII part.\r\n--mix-1--\r\n", Encoding.ASCII.GetString(received.Data), StringComparison.Ordinal);
        Assert.Equal("Mis à jour.", ((TextPart)MimeMessage.Load(new MemoryStream(received.Data)).BodyParts.First()).Text.TrimEnd());
    }

    [Fact]
    public async Task SmimeSignedMessage_StillVerifies_AfterTheRelay()
    {
        using var certificate = TestCertificates.CreateSigningCertificate(ClientShapedMessages.Sender);
        using var context = new MimeKit.Cryptography.TemporarySecureMimeContext();
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(ClientShapedMessages.Sender));
        message.To.Add(MailboxAddress.Parse("alice@example.org"));
        message.Subject = "Signed report";
        var body = new TextPart("plain") { Text = "Signed text, with an 8bit label.\r\nÉté.\r\n" };
        body.ContentTransferEncoding = ContentEncoding.EightBit;
        message.Body = MimeKit.Cryptography.MultipartSigned.Create(context, new MimeKit.Cryptography.CmsSigner(certificate), body);
        using var raw = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, raw);
        await using var relay = await Harness.StartRelayAsync();

        var received = await SendAsync(relay, raw.ToArray());

        var signed = Assert.IsType<MimeKit.Cryptography.MultipartSigned>(MimeMessage.Load(new MemoryStream(received.Data)).Body);
        var signature = Assert.Single(signed.Verify(context));
        Assert.True(signature.Verify(verifySignatureOnly: true));
        RewriteComparison.AssertSameExceptRewrite(raw.ToArray(), received.Data);
    }

    private async Task<ReceivedMessage> SendAsync(RelayInstance relay, byte[] message)
    {
        await RawSmtp.SendOneAsync(relay.SmtpPort, ClientShapedMessages.Sender, "alice@example.org", message, MessageBytes.HasEightBit(message) ? "BODY=8BITMIME" : "");
        return await Harness.Gmail.NextMessageAsync();
    }
}
