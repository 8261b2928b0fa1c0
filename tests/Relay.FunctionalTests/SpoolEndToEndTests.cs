using System.Text;
using Relay.Spool;
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

            // The 250 came after the message and its envelope were on disk, in one file.
            var id = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(Queue)));
            var envelope = StoredMessages.Envelope(Harness.DataPath, "queue", id);
            Assert.Equal("glpi@helpdesk.local", envelope.MailFrom);
            Assert.Equal(["alice@example.org", "hidden@example.com"], envelope.Recipients);
            Assert.Equal("127.0.0.1", envelope.ClientAddress);
            Assert.Contains("Subject: ", Encoding.UTF8.GetString(StoredMessages.Bytes(Harness.DataPath, "queue", id)), StringComparison.Ordinal);
        }

        Assert.Empty(Harness.Gmail.Messages);
        await using var configured = await Harness.StartRelayAsync();
        var received = await Harness.Gmail.NextMessageAsync();
        Assert.Equal(["alice@example.org", "hidden@example.com"], received.Recipients.Order());
        await configured.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        Assert.Empty(Directory.GetFiles(Queue));
    }

    [Fact]
    public async Task CorruptEntryAtStart_IsMovedToCorruptWithItsMessageAndALogLine_TheRestIsDelivered()
    {
        string corruptId;
        await using (var unconfigured = await Harness.StartUnauthorizedRelayAsync(s => s.Remove("Relay:Account:Address")))
        {
            await unconfigured.SendAsync(Messages.Simple("will be corrupted"));
            await unconfigured.SendAsync(Messages.Simple("intact"));
            var entries = unconfigured.Spool.List();
            Assert.Equal(2, entries.Count);
            corruptId = entries.Single(e => Encoding.UTF8.GetString(StoredMessages.Bytes(Harness.DataPath, "queue", e.Id)).Contains("Subject: will be corrupted", StringComparison.Ordinal)).Id;
        }

        // The envelope damaged, as by a failing disk; the message after it intact.
        var file = StoredMessages.EntryPath(Harness.DataPath, "queue", corruptId);
        var bytes = await File.ReadAllBytesAsync(file);
        "{\"id\": 7  "u8.CopyTo(bytes);
        await File.WriteAllBytesAsync(file, bytes);

        await using var restarted = await Harness.StartRelayAsync();
        var received = await Harness.Gmail.NextMessageAsync();

        Assert.Contains("Subject: intact", received.Text, StringComparison.Ordinal);
        var corrupt = Path.Combine(Harness.DataPath, "spool", "corrupt");
        Assert.Contains("Subject: will be corrupted", await File.ReadAllTextAsync(Path.Combine(corrupt, corruptId + ".entry")), StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.Contains(restarted.Logs.Lines, line => line.StartsWith("Error", StringComparison.Ordinal) && line.Contains("[2002]", StringComparison.Ordinal)
            && line.Contains(corruptId, StringComparison.Ordinal) && line.Contains(corrupt, StringComparison.Ordinal));
        await restarted.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        Assert.Equal(0, restarted.Spool.Count);
        Assert.Single(Harness.Gmail.Messages);
    }

    [Fact]
    public async Task UpstreamDown_MessageIsDeferred_ThenDeliveredWhenItComesBack()
    {
        Harness.Gmail.Mode = FakeGmailMode.CloseOnConnect;
        await using var relay = await Harness.StartRelayAsync();
        await relay.SendAsync(Messages.Simple());

        var (deferred, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        var envelope = StoredMessages.Envelope(Harness.DataPath, "queue", deferred.Id);
        Assert.True(envelope.Attempts >= 1);
        Assert.False(string.IsNullOrEmpty(envelope.LastError));

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
        var envelope = StoredMessages.Envelope(Harness.DataPath, "dead", entry.Id);
        Assert.Equal(SpoolState.Dead, envelope.State);
        Assert.Contains("550", envelope.LastError, StringComparison.Ordinal);
        Assert.Equal(0, relay.Spool.Count);
    }

    [Fact]
    public async Task SpoolCannotBeWritten_ClientGets451AndKeepsTheMessage_ThenTheRelayRecovers()
    {
        await using var relay = await Harness.StartRelayAsync(s => s[StoredMessages.ArchiveSetting] = "Archive");
        var incoming = Path.Combine(Harness.DataPath, "spool", "incoming");
        Directory.Delete(incoming, recursive: true);
        await File.WriteAllTextAsync(incoming, "not a folder"); // every write to the spool now fails

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(() => relay.SendAsync(Messages.Simple()));
        Assert.Equal(451, (int)failure.StatusCode);
        Assert.Contains("4.3.0", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, StoredMessages.Count(Harness.DataPath));

        File.Delete(incoming);
        await relay.SendAsync(Messages.Simple());
        await Harness.Gmail.NextMessageAsync();
    }

    [SmallDiskFact]
    public async Task DiskFull_ClientGets452AndKeepsTheMessage_NothingHalfWritten_ThenTheRelayTakesMailAgain()
    {
        SmallDisk.Mount(Harness.DataPath, "2m"); // the whole data folder on a 2 MB disk
        try
        {
            await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s.Remove("Relay:Account:Address")); // mail stays in the spool
            await relay.SendAsync(Messages.Simple("before the disk filled"));
            var filler = Path.Combine(Harness.DataPath, "filler");
            await using (var fill = File.Create(filler))
            {
                var block = new byte[64 * 1024];
                try
                {
                    while (true)
                    {
                        fill.Write(block);
                        fill.Flush(flushToDisk: true);
                    }
                }
                catch (IOException)
                {
                    // the disk is full
                }
            }

            var failure = await Assert.ThrowsAsync<SmtpCommandException>(() => relay.SendAsync(Messages.Simple("while the disk is full")));
            Assert.Equal(452, (int)failure.StatusCode);
            Assert.Contains("4.3.1", failure.Message, StringComparison.Ordinal);
            Assert.Equal(1, relay.Spool.Count); // the one from before, nothing more
            Assert.Empty(Directory.GetFiles(Path.Combine(Harness.DataPath, "spool", "incoming")));
            Assert.Single(Directory.GetFiles(Queue)); // the one entry from before

            File.Delete(filler);
            await relay.SendAsync(Messages.Simple("after space came back"));
            Assert.Equal(2, relay.Spool.Count);
        }
        finally
        {
            SmallDisk.Unmount(Harness.DataPath);
        }
    }

    [Fact]
    public async Task UpstreamThatHangs_IsGivenUpAfterOutboundTimeout_AndTheMessageIsDeferred()
    {
        using var hanging = new SilentServer(); // accepts, never greets
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Outbound:Port"] = hanging.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Relay:Outbound:Timeout"] = "00:00:01";
        });
        await relay.SendAsync(Messages.Simple());

        // The harness's own limit is 20 s and the default 2 min: an outcome within 10 s comes from the 1 s setting.
        var (deferred, outcome) = await relay.NextOutcomeAsync(timeout: TimeSpan.FromSeconds(10));
        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        Assert.Contains("timed out", outcome.Reply, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, relay.Spool.Find(deferred.Id)!.Attempts);
    }

    [Fact]
    public async Task SecretsKeyGivenAsAValue_EncryptsTheStoredAuthorization_NoKeyFileIsMade()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using (var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Secrets:Key"] = key))
        {
            using var browser = await WebSession.SignedInAsync(relay);
            await browser.GetTextAsync(await browser.ConsentAsync());
            Assert.Equal("relay.account@example.com", relay.Tokens.Account);
        }

        Assert.False(File.Exists(Path.Combine(Harness.DataPath + "-keys", "relay.key")));
        var box = new Relay.OAuth.SecretBox(Microsoft.Extensions.Options.Options.Create(new Relay.OAuth.SecretsOptions { Key = key }), Microsoft.Extensions.Logging.Abstractions.NullLogger<Relay.OAuth.SecretBox>.Instance);
        var store = new Relay.OAuth.TokenStore(Relay.OAuth.TokenStore.PathIn(Harness.DataPath), box, Microsoft.Extensions.Logging.Abstractions.NullLogger<Relay.OAuth.TokenStore>.Instance);
        Assert.Equal(Harness.OAuth.IssuedRefreshTokens.Single(), store.Load()?.RefreshToken); // readable with that key
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
