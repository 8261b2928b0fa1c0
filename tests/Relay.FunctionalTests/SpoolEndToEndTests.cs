using System.Text.Json;
using MailKit.Net.Smtp;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class SpoolEndToEndTests : HarnessTest
{
    private string Queue => Path.Combine(Harness.DataPath, "spool", "queue");

    [Fact]
    public async Task NoAccountYet_MailIsSpooled_AndARestartedRelayWithAnAccountDeliversIt()
    {
        await using (var unconfigured = await Harness.StartRelayAsync(s =>
                     {
                         s.Remove("Relay:Google:RefreshToken");
                         s.Remove("Relay:Account:Address");
                     }))
        {
            var message = Messages.Simple();
            message.Bcc.Add(MimeKit.MailboxAddress.Parse("hidden@example.com"));
            var reply = await unconfigured.SendAsync(message);
            Assert.Contains("queued as", reply, StringComparison.Ordinal);
            Assert.Contains("No Google account is authorized yet", unconfigured.Logs.All, StringComparison.Ordinal);

            // The 250 came after the message and its envelope were on disk.
            var envelopeFile = Assert.Single(Directory.GetFiles(Queue, "*.json"));
            Assert.Single(Directory.GetFiles(Queue, "*.eml"));
            using var envelope = JsonDocument.Parse(await File.ReadAllBytesAsync(envelopeFile));
            Assert.Equal("glpi@helpdesk.local", envelope.RootElement.GetProperty("mailFrom").GetString());
            Assert.Equal(["alice@example.org", "hidden@example.com"], envelope.RootElement.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal("127.0.0.1", envelope.RootElement.GetProperty("clientAddress").GetString());
        }

        Assert.Empty(Harness.Gmail.Messages);
        await using var configured = await Harness.StartRelayAsync();
        var received = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(["alice@example.org", "hidden@example.com"], received.Recipients.Order());
        await configured.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        Assert.Empty(Directory.GetFiles(Queue));
    }

    [Fact]
    public async Task UpstreamDown_MessageIsDeferred_ThenDeliveredWhenItComesBack()
    {
        Harness.Gmail.Mode = FakeGmailMode.CloseOnConnect;
        await using var relay = await Harness.StartRelayAsync();
        await relay.SendAsync(Messages.Simple());

        var (deferred, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        var envelope = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(Queue, deferred.Id + ".json"))).RootElement;
        Assert.True(envelope.GetProperty("attempts").GetInt32() >= 1);
        Assert.False(string.IsNullOrEmpty(envelope.GetProperty("lastError").GetString()));

        Harness.Gmail.Mode = FakeGmailMode.Normal;
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        Assert.Single(Harness.Gmail.Messages);
    }

    [Fact]
    public async Task UpstreamRefusesEveryRecipient_MessageGoesToDeadLetterWithTheReply()
    {
        await using var relay = await Harness.StartRelayAsync();
        var message = Messages.Simple();
        message.To.Clear();
        message.To.Add(MimeKit.MailboxAddress.Parse("rejected-user@example.org"));
        await relay.SendAsync(message);

        var (entry, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.Contains("5.1.1", outcome.Reply, StringComparison.Ordinal);
        var dead = Path.Combine(Harness.DataPath, "spool", "dead");
        Assert.True(File.Exists(Path.Combine(dead, entry.Id + ".eml")));
        var envelope = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(dead, entry.Id + ".json"))).RootElement;
        Assert.Equal("Dead", envelope.GetProperty("state").GetString());
        Assert.Contains("550", envelope.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, relay.Spool.Count);
    }

    [Fact]
    public async Task SpoolCannotBeWritten_ClientGets451AndKeepsTheMessage_ThenTheRelayRecovers()
    {
        await using var relay = await Harness.StartRelayAsync();
        var incoming = Path.Combine(Harness.DataPath, "spool", "incoming");
        Directory.Delete(incoming, recursive: true);
        await File.WriteAllTextAsync(incoming, "not a folder"); // every write to the spool now fails

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(() => relay.SendAsync(Messages.Simple()));
        Assert.Equal(451, (int)failure.StatusCode);
        Assert.Contains("4.3.0", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, relay.Spool.Count);

        File.Delete(incoming);
        await relay.SendAsync(Messages.Simple());
        await Harness.Gmail.NextMessageAsync();
    }

    [Fact]
    public async Task UpstreamCertificateNotTrusted_NothingIsSentAndTheMessageIsDeferred()
    {
        await using var relay = await Harness.StartRelayAsync(s => s.Remove("Relay:Outbound:TrustedCaFile"));
        await relay.SendAsync(Messages.Simple());

        var (_, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        Assert.Contains("TLS", outcome.Reply, StringComparison.Ordinal);
        Assert.Empty(Harness.Gmail.Messages);
        Assert.Equal(0, Harness.Gmail.AuthAttempts); // no token was ever offered to an unverified server
    }
}
