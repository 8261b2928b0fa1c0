using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MimeKit;
using Relay.Outbound;
using Relay.Spool;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// Several accounts in one relay, end to end against the fakes (issue 14): each message goes out as the account its
/// route names (the XOAUTH2 user, the envelope sender and the rewritten From), a message no account takes is refused,
/// one account's hold or quota leaves the other flowing, and a single-account data folder carries over.
/// </summary>
public sealed class AccountsEndToEndTests : HarnessTest
{
    private const string HelpdeskAddress = "helpdesk@example.com";
    private const string ScannerAddress = "scanner@example.com";
    private const string HelpdeskToken = "1//helpdesk-refresh-SECRET";
    private const string ScannerToken = "1//scanner-refresh-SECRET";

    /// <summary>
    /// Two SMTP accounts, helpdesk (0) and scanner (1), each with a refresh token of its own that the fake Google knows
    /// (the scanner's only when <paramref name="scannerTokenKnown"/>), instead of the single-account keys.
    /// </summary>
    private Action<Dictionary<string, string?>> TwoAccounts(Action<Dictionary<string, string?>>? change = null, bool scannerTokenKnown = true) => s =>
    {
        Harness.OAuth.AddRefreshToken(HelpdeskToken, HelpdeskAddress);
        if (scannerTokenKnown)
        {
            Harness.OAuth.AddRefreshToken(ScannerToken, ScannerAddress);
        }

        s.Remove("Relay:Account:Address");
        s.Remove("Relay:Google:RefreshToken");
        s["Relay:Accounts:0:Name"] = "helpdesk";
        s["Relay:Accounts:0:Address"] = HelpdeskAddress;
        s["Relay:Accounts:0:RefreshToken"] = HelpdeskToken;
        s["Relay:Accounts:1:Name"] = "scanner";
        s["Relay:Accounts:1:Address"] = ScannerAddress;
        s["Relay:Accounts:1:RefreshToken"] = ScannerToken;
        change?.Invoke(s);
    };

    private static MimeMessage Message(string subject, string from = "GLPI Helpdesk <glpi@helpdesk.local>") => Messages.Simple(subject, from);

    /// <summary>Sends <paramref name="message"/> (with <paramref name="mailFrom"/> as envelope sender when given) and returns what Gmail received for it.</summary>
    private async Task<ReceivedMessage> DeliveredAsync(RelayInstance relay, MimeMessage message, string? mailFrom = null, (string User, string Password)? login = null)
    {
        using (var client = await relay.ConnectClientAsync())
        {
            if (login is { } credentials)
            {
                await client.AuthenticateAsync(credentials.User, credentials.Password);
            }

            if (mailFrom is null)
            {
                await client.SendAsync(message);
            }
            else
            {
                await client.SendAsync(message, MailboxAddress.Parse(mailFrom), message.To.Mailboxes);
            }

            await client.DisconnectAsync(true);
        }

        var received = await Harness.Gmail.NextMessageAsync();
        Assert.Contains("Subject: " + message.Subject, received.Text, StringComparison.Ordinal);
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered); // and recorded: out of the queue
        return received;
    }

    /// <summary>Gmail saw the message as <paramref name="address"/>: logged in as it, sent from it, with the header From rewritten to it.</summary>
    private static void AssertSentAs(string address, ReceivedMessage received)
    {
        Assert.Equal(address, received.AuthUser);
        Assert.Equal(address, received.MailFrom);
        var from = MimeMessage.Load(new MemoryStream(received.Data)).From.Mailboxes.Single();
        Assert.Equal(address, from.Address);
    }

    [Fact]
    public async Task RoutedByLocalAuthUser_EachLoginGoesOutAsItsAccount()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Inbound:Users:0:Name"] = "glpi";
            s["Relay:Inbound:Users:0:Password"] = "glpi-pass";
            s["Relay:Inbound:Users:0:Account"] = "helpdesk";
            s["Relay:Inbound:Users:1:Name"] = "copier";
            s["Relay:Inbound:Users:1:Password"] = "copier-pass";
            s["Relay:Inbound:Users:1:Account"] = "scanner";
            s["Relay:Routing:Default"] = "helpdesk";
        }));

        AssertSentAs(ScannerAddress, await DeliveredAsync(relay, Message("scan 1"), login: ("copier", "copier-pass")));
        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("ticket 1", "Copier <copier@scan.example.com>"), login: ("glpi", "glpi-pass")));
        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("anonymous"))); // no login: the default
    }

    [Fact]
    public async Task RoutedByEnvelopeSender_ThenHeaderFrom_UnroutedGoesToTheDefault()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Senders:0"] = "@scan.example.com";
            s["Relay:Routing:Default"] = "helpdesk";
        }));

        // Envelope sender of the scanner's domain, header From of nobody in particular.
        AssertSentAs(ScannerAddress, await DeliveredAsync(relay, Message("by envelope"), mailFrom: "copier3@scan.example.com"));

        // Envelope sender of nobody, header From of the scanner's domain.
        AssertSentAs(ScannerAddress, await DeliveredAsync(relay, Message("by header", "Copier <copier4@scan.example.com>"), mailFrom: "bounces@other.example"));

        // Neither: the default account.
        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("unrouted"), mailFrom: "bounces@other.example"));
    }

    [Fact]
    public async Task RoutedByExactHeaderSender_BeforeTheDefault()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:0:Senders:0"] = "glpi@helpdesk.local";
            s["Relay:Routing:Default"] = "scanner";
        }));

        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("glpi"), mailFrom: "bounces@other.example"));
        AssertSentAs(ScannerAddress, await DeliveredAsync(relay, Message("other", "App <app@other.example>"), mailFrom: "bounces@other.example"));
    }

    [Fact]
    public async Task RoutedByClientNetwork_AndNotWhenTheNetworkDoesNotMatch()
    {
        await using (var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Networks:0"] = "127.0.0.0/8";
            s["Relay:Routing:Default"] = "helpdesk";
        })))
        {
            AssertSentAs(ScannerAddress, await DeliveredAsync(relay, Message("from the copier subnet")));
        }

        await using (var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Networks:0"] = "10.9.0.0/16";
            s["Relay:Routing:Default"] = "helpdesk";
        })))
        {
            AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("from elsewhere")));
        }
    }

    [Fact]
    public async Task NoDefaultAndNoRule_RefusedAtRcpt_NothingSpooled()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Networks:0"] = "10.9.0.0/16";
            s[StoredMessages.ArchiveSetting] = "Archive";
        }));

        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("EHLO legacy.local", "250");
        await smtp.SendAsync("MAIL FROM:<app@other.example>", "250");
        var refused = await smtp.SendAsync("RCPT TO:<alice@example.org>", "550");
        Assert.Contains("5.7.1", refused, StringComparison.Ordinal);
        Assert.Contains("Relay:Routing:Default", refused, StringComparison.Ordinal); // names the fix
        await smtp.SendAsync("QUIT", "221");

        Assert.Equal(0, StoredMessages.Count(Harness.DataPath));
        Assert.Empty(relay.Spool.List());
        Assert.Empty(Harness.Gmail.Messages);
    }

    [Fact]
    public async Task NoDefault_WithASendersRule_HeaderFromMatchingNothing_RefusedAtEndOfData_NothingSpooled()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Senders:0"] = "@scan.example.com";
            s[StoredMessages.ArchiveSetting] = "Archive";
        }));

        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("EHLO legacy.local", "250");
        await smtp.SendAsync("MAIL FROM:<app@other.example>", "250");
        await smtp.SendAsync("RCPT TO:<alice@example.org>", "250"); // the header From may still route it
        await smtp.SendAsync("DATA", "354");
        var message = "From: App <app@other.example>\r\nTo: alice@example.org\r\nSubject: nobody's\r\nMessage-ID: <nobody@other.example>\r\n\r\nbody\r\n"u8.ToArray();
        var refused = await smtp.SendMessageAsync(message, "550");
        Assert.Contains("5.7.1", refused, StringComparison.Ordinal);

        // The same session goes on: a message whose header From routes is taken.
        await smtp.SendAsync("MAIL FROM:<app@other.example>", "250");
        await smtp.SendAsync("RCPT TO:<alice@example.org>", "250");
        await smtp.SendAsync("DATA", "354");
        await smtp.SendMessageAsync("From: Copier <copier@scan.example.com>\r\nTo: alice@example.org\r\nSubject: scanned\r\n\r\nbody\r\n"u8.ToArray(), "250");
        await smtp.SendAsync("QUIT", "221");

        var received = await Harness.Gmail.NextMessageAsync();
        AssertSentAs(ScannerAddress, received);
        Assert.Equal(1, StoredMessages.Count(Harness.DataPath)); // the refused one never was
    }

    [Fact]
    public async Task RefusedTokenOfOneAccount_HoldsOnlyItsMessages_ReadinessAndMetricsNameIt()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Senders:0"] = "@scan.example.com";
            s["Relay:Routing:Default"] = "helpdesk";
        }, scannerTokenKnown: false)); // Google refuses the scanner's refresh token (invalid_grant), as after a revocation

        await relay.SendAsync(Message("scan", "Copier <copier@scan.example.com>"));
        var (held, _) = await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.NeedsAuthorization);
        Assert.Equal("scanner", held.Account);
        Assert.Equal(HoldReason.Authorization, relay.Account("scanner").Gate.State.Reason);

        // The helpdesk's mail keeps flowing, after the scanner's hold started.
        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("ticket while the scanner is held")));
        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("another ticket")));
        Assert.Equal(HoldReason.None, relay.Account("helpdesk").Gate.State.Reason);
        var waiting = Assert.Single(relay.Spool.Waiting());
        Assert.Equal("scanner", waiting.Account);
        Assert.All(Harness.Gmail.Messages, m => Assert.NotEqual(ScannerAddress, m.AuthUser));

        using var http = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        var ready = await http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var reasons = await ready.Content.ReadAsStringAsync();
        Assert.Contains("account scanner: ", reasons, StringComparison.Ordinal);
        Assert.Contains("invalid_grant", reasons, StringComparison.Ordinal);
        Assert.DoesNotContain("account helpdesk", reasons, StringComparison.Ordinal);

        var metrics = await http.GetStringAsync("metrics");
        Assert.Contains("relay_delivery_held{reason=\"authorization\",account=\"scanner\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_delivery_held{reason=\"authorization\",account=\"helpdesk\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_account_authorized{account=\"helpdesk\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_account_authorized{account=\"scanner\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_account_queue_depth{account=\"scanner\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_account_queue_depth{account=\"helpdesk\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_delivery_attempts_total{outcome=\"delivered\",account=\"helpdesk\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_delivery_attempts_total{outcome=\"needsauthorization\",account=\"scanner\"} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(ScannerToken, relay.Logs.All, StringComparison.Ordinal);

        // The hold's log line tells the fix for this account: its command, and where its configured token lives.
        var holdLine = relay.Logs.Lines.Single(line => line.Contains("Delivery is on hold", StringComparison.Ordinal));
        Assert.Contains("relay authorize --account scanner", holdLine, StringComparison.Ordinal);
        Assert.Contains("Relay:Accounts", holdLine, StringComparison.Ordinal);
        Assert.DoesNotContain("Relay:Google:RefreshToken", holdLine, StringComparison.Ordinal); // the list has no such key for it

        // Authorizing the scanner on its page ends its hold: its message goes out as the scanner.
        Harness.OAuth.ConsentAccount = ScannerAddress;
        using var browser = await WebSession.SignedInAsync(relay);
        var toGoogle = await browser.PostFormAsync("/authorize?account=scanner", "/authorize", new Dictionary<string, string> { ["account"] = "scanner" });
        Assert.Equal(HttpStatusCode.Redirect, toGoogle.StatusCode);
        await browser.GetTextAsync(await FakeGoogleOAuthServer.ConsentAsync(toGoogle.Headers.Location!.ToString()));
        var released = await Harness.Gmail.NextMessageAsync();
        Assert.Contains("Subject: scan", released.Text, StringComparison.Ordinal);
        AssertSentAs(ScannerAddress, released);
        Assert.Equal(HoldReason.None, relay.Account("scanner").Gate.State.Reason);
        Assert.True(File.Exists(Path.Combine(Harness.DataPath, "oauth", "authorization.scanner.bin")));
        Assert.False(File.Exists(Path.Combine(Harness.DataPath, "oauth", "authorization.bin")));
    }

    [Fact]
    public async Task RevokingOneAccount_HoldsOnlyItsMessages_TheOtherKeepsFlowing()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Senders:0"] = "@scan.example.com";
            s["Relay:Routing:Default"] = "helpdesk";
        }));
        AssertSentAs(ScannerAddress, await DeliveredAsync(relay, Message("scan before", "Copier <copier@scan.example.com>")));

        using var http = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.LoginSecret);
        var revoke = await http.PostAsync("api/account/revoke?account=scanner", null); // what 'relay revoke --account scanner' does
        Assert.True(revoke.IsSuccessStatusCode, await revoke.Content.ReadAsStringAsync());
        Assert.Equal([ScannerToken], Harness.OAuth.Revoked);
        Assert.Null(relay.Account("scanner").Tokens.Account);
        Assert.Equal(HelpdeskAddress, relay.Account("helpdesk").Tokens.Account);

        await relay.SendAsync(Message("scan after", "Copier <copier@scan.example.com>"));
        var (held, _) = await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.NeedsAuthorization);
        Assert.Equal("scanner", held.Account);
        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("ticket after")));
        Assert.Equal("scanner", Assert.Single(relay.Spool.Waiting()).Account);

        var reasons = await (await http.GetAsync("readyz")).Content.ReadAsStringAsync();
        Assert.Contains("account scanner: ", reasons, StringComparison.Ordinal);
        Assert.DoesNotContain("account helpdesk", reasons, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleasingOneAccount_EndsOnlyItsHold_ThroughTheApiAndThePage()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts());
        var (helpdesk, scanner) = (relay.Account("helpdesk").Gate, relay.Account("scanner").Gate);
        helpdesk.Hold(HoldReason.Quota, "429 (Retry-After: 3 hours)", HelpdeskAddress, until: DateTimeOffset.UtcNow.AddHours(3));
        scanner.Hold(HoldReason.Quota, "550 5.4.5 daily limit", ScannerAddress);
        using var api = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.LoginSecret);

        using var released = await api.PostAsync("api/queue/release?account=scanner", null);

        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal(HoldReason.None, scanner.State.Reason);
        Assert.Equal(HoldReason.Quota, helpdesk.State.Reason); // held as Google asked: not touched
        using var unknown = await api.PostAsync("api/queue/release?account=nobody", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        scanner.Hold(HoldReason.Quota, "550 5.4.5 daily limit", ScannerAddress);
        using var web = await WebSession.SignedInAsync(relay);
        Assert.Contains("/queue/release?account=scanner", await web.GetTextAsync("/"), StringComparison.Ordinal);
        await web.PostFormAsync("/queue/release?account=scanner", "/queue/release?account=scanner", new Dictionary<string, string>());
        Assert.Equal(HoldReason.None, scanner.State.Reason);
        Assert.Equal(HoldReason.Quota, helpdesk.State.Reason);
        var unknownPage = await web.PostFormAsync("/queue/release", "/queue/release?account=nobody", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.NotFound, unknownPage.StatusCode);
        Assert.Equal(HoldReason.Quota, helpdesk.State.Reason);
    }

    [Fact]
    public async Task MessageOfAnAccountNoLongerConfigured_Waits_ThenExpiresToTheDeadLettersWithTheReason()
    {
        string id;
        await using (var before = await Harness.StartRelayAsync(TwoAccounts(s => s["Relay:Accounts:1:Senders:0"] = "@scan.example.com", scannerTokenKnown: false)))
        {
            await before.SendAsync(Message("scan", "Copier <copier@scan.example.com>"));
            var (held, _) = await before.NextOutcomeAsync(o => o.Result == DeliveryResult.NeedsAuthorization);
            id = held.Id;
        }

        // The scanner account is removed: its message waits, as a hold would keep it...
        Action<Dictionary<string, string?>> helpdeskOnly = TwoAccounts(s =>
        {
            foreach (var key in s.Keys.Where(key => key.StartsWith("Relay:Accounts:1:", StringComparison.Ordinal)).ToList())
            {
                s.Remove(key);
            }
        });
        await using (var waiting = await Harness.StartRelayAsync(helpdeskOnly))
        {
            Assert.Equal("scanner", Assert.Single(waiting.Spool.Waiting()).Account);
            // Said once the delivery worker runs (its ExecuteAsync may start after StartAsync returned): waited for, not polled.
            var said = await waiting.Logs.WaitForAsync(line => line.Contains("go out as the account \"scanner\", which is not configured", StringComparison.Ordinal));
            Assert.Contains("1 queued message(s) go out as the account \"scanner\", which is not configured", said, StringComparison.Ordinal);
        }

        // ...until it is older than Relay:Outbound:MaxAge, like any message: then a dead letter that says why.
        await using var expiring = await Harness.StartRelayAsync(s =>
        {
            helpdeskOnly(s);
            s["Relay:Outbound:MaxAge"] = "00:00:00.001";
        });
        var (expired, outcome) = await expiring.NextOutcomeAsync(o => o.Result == DeliveryResult.Rejected);
        Assert.Equal(id, expired.Id);
        Assert.Contains("'scanner', which is not configured", outcome.Reply, StringComparison.Ordinal);
        Assert.Empty(expiring.Spool.Waiting());
        Assert.Equal(SpoolState.Dead, expiring.Spool.Find(id)?.State);
    }

    [Fact]
    public async Task QuotaPerAccount_OneAccountAtItsLimitIsHeld_TheOtherKeepsFlowing()
    {
        await using var relay = await Harness.StartRelayAsync(TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Senders:0"] = "@scan.example.com";
            s["Relay:Routing:Default"] = "helpdesk";
            s["Relay:Quota:MaxMessages"] = "1";
        }));

        AssertSentAs(HelpdeskAddress, await DeliveredAsync(relay, Message("ticket 1")));
        await relay.SendAsync(Message("ticket 2: over the helpdesk's limit"));
        await relay.Logs.WaitForAsync(line => line.Contains("sending limit for", StringComparison.Ordinal) && line.Contains(HelpdeskAddress, StringComparison.Ordinal));
        Assert.Equal(HoldReason.Quota, relay.Account("helpdesk").Gate.State.Reason);

        AssertSentAs(ScannerAddress, await DeliveredAsync(relay, Message("scan 1", "Copier <copier@scan.example.com>")));
        Assert.Equal(HoldReason.None, relay.Account("scanner").Gate.State.Reason);
        Assert.Equal(HoldReason.Quota, relay.Account("helpdesk").Gate.State.Reason);
        Assert.Equal("helpdesk", Assert.Single(relay.Spool.Waiting()).Account);
        Assert.Equal(1, relay.Account("helpdesk").Quota.Usage.Messages);
        Assert.Equal(1, relay.Account("scanner").Quota.Usage.Messages);

        await relay.StopAsync(); // the counters are saved per account
        Assert.True(File.Exists(Path.Combine(Harness.DataPath, "quota.helpdesk.json")));
        Assert.True(File.Exists(Path.Combine(Harness.DataPath, "quota.scanner.json")));
        Assert.False(File.Exists(Path.Combine(Harness.DataPath, "quota.json")));
    }

    [Fact]
    public async Task Upgrade_SingleAccountDataFolder_TokenQuotaAndOldEntryCarryOver_InBothConfigurationForms()
    {
        // As today's single-account relay leaves its data: authorized on the page, one delivery counted in quota.json,
        // and one message queued while Gmail was down.
        string queuedId;
        await using (var before = await Harness.StartUnauthorizedRelayAsync())
        {
            using var browser = await WebSession.SignedInAsync(before);
            await browser.GetTextAsync(await browser.ConsentAsync());
            AssertSentAs(RelayHarness.Account, await DeliveredAsync(before, Message("delivered before the upgrade")));

            Harness.Gmail.MailReply = "451 4.3.0 Try again later"; // Gmail down for a while (on the connection already open too)
            await before.SendAsync(Message("queued across the upgrade"));
            var (deferred, _) = await before.NextOutcomeAsync(o => o.Result == DeliveryResult.Deferred);
            queuedId = deferred.Id;
            await before.StopAsync();
        }

        Assert.True(File.Exists(Path.Combine(Harness.DataPath, "oauth", "authorization.bin")));
        Assert.True(File.Exists(Path.Combine(Harness.DataPath, "quota.json")));
        WriteAsTheSingleAccountRelayDid(queuedId);
        Harness.Gmail.MailReply = null;

        // The same configuration (the single-account keys, no refresh token in it: the token is the stored one).
        await using (var after = await Harness.StartUnauthorizedRelayAsync())
        {
            Assert.Equal(RelayHarness.Account, after.Tokens.Account);
            var received = await Harness.Gmail.NextMessageAsync();
            Assert.Contains("Subject: queued across the upgrade", received.Text, StringComparison.Ordinal);
            AssertSentAs(RelayHarness.Account, received);
            var (delivered, _) = await after.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
            Assert.Equal(queuedId, delivered.Id);
            Assert.Null(delivered.Account); // read as it was written
            Assert.Equal(2, after.Account().Quota.Usage.Messages); // the count of quota.json, and this one
            Assert.Empty(after.Spool.Waiting());
        }

        // The list form naming the account "default" takes the same files.
        await using (var listed = await Harness.StartUnauthorizedRelayAsync(s =>
        {
            s.Remove("Relay:Account:Address");
            s["Relay:Accounts:0:Name"] = "default";
            s["Relay:Accounts:0:Address"] = RelayHarness.Account;
        }))
        {
            Assert.Equal(RelayHarness.Account, listed.Account("default").Tokens.Account);
            Assert.Equal(2, listed.Account("default").Quota.Usage.Messages);
            AssertSentAs(RelayHarness.Account, await DeliveredAsync(listed, Message("after the upgrade, list form")));
        }

        Assert.False(File.Exists(Path.Combine(Harness.DataPath, "oauth", "authorization.default.bin")));
        Assert.False(File.Exists(Path.Combine(Harness.DataPath, "quota.default.json")));
    }

    /// <summary>Writes a queued entry as relays before several accounts did: an envelope with no <c>account</c> field, beside the message.</summary>
    private void WriteAsTheSingleAccountRelayDid(string id) =>
        StoredMessages.WriteAsEarlierVersion(Harness.DataPath, id, envelope =>
            envelope.Remove(envelope.Select(pair => pair.Key).Single(name => string.Equals(name, "account", StringComparison.OrdinalIgnoreCase))));

    [Fact]
    public async Task QueueListApiAndPage_ShowEachEntrysAccount()
    {
        // Gmail down: both messages stay queued, one per account.
        Harness.Gmail.Mode = FakeGmailMode.CloseOnConnect;
        var settings = TwoAccounts(s =>
        {
            s["Relay:Accounts:1:Senders:0"] = "@scan.example.com";
            s["Relay:Routing:Default"] = "helpdesk";
            s["Relay:Outbound:RetryInitialDelay"] = "00:10:00";
            s["Relay:Outbound:RetryMaxDelay"] = "00:10:00";
        });
        await using var relay = await RelayProcess.StartAsync(Harness, settings);
        await SendAsync(relay.SmtpPort, Message("ticket"));
        await SendAsync(relay.SmtpPort, Message("scan", "Copier <copier@scan.example.com>"));

        var list = await relay.RunCommandAsync("queue", "list");
        Assert.Equal(0, list.ExitCode);
        var lines = list.Output.Split('\n');
        Assert.Contains("ACCOUNT", lines[0], StringComparison.Ordinal);
        var helpdeskRow = Assert.Single(lines, line => line.Contains(" helpdesk ", StringComparison.Ordinal));
        var scannerRow = Assert.Single(lines, line => line.Contains(" scanner ", StringComparison.Ordinal));
        var helpdeskId = helpdeskRow.Split(' ')[0];
        var scannerId = scannerRow.Split(' ')[0];
        Assert.NotEqual(helpdeskId, scannerId);

        var secret = (await File.ReadAllTextAsync(Path.Combine(Harness.DataPath, "web", "login-secret"))).Trim();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{relay.WebPort}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var entries = JsonDocument.Parse(await http.GetStringAsync("api/queue")).RootElement.EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("account").GetString());
        Assert.Equal("helpdesk", entries[helpdeskId]);
        Assert.Equal("scanner", entries[scannerId]);

        using var web = new WebSession($"http://127.0.0.1:{relay.WebPort}/");
        await web.LoginAsync(secret);
        var page = await web.GetTextAsync("/queue");
        Assert.Contains("<th>Account</th>", page, StringComparison.Ordinal);
        Assert.Matches($"…{helpdeskId[^10..]}</code></a></td><td>helpdesk</td>", page);
        Assert.Matches($"…{scannerId[^10..]}</code></a></td><td>scanner</td>", page);
        var detail = await web.GetTextAsync("/queue/" + scannerId);
        Assert.Contains("<tr><th>Account</th><td>scanner</td></tr>", detail, StringComparison.Ordinal);
    }

    private static async Task SendAsync(int port, MimeMessage message)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }
}
