using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Relay.Notify;
using Relay.Outbound;
using Relay.Spool;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>Relay:Notify end to end, on a fake clock: the relay's own e-mail through its spool and the fake Gmail, and the webhook.</summary>
public sealed class NotifyEndToEndTests
{
    private const string QuotaReply = "550-5.4.5 Daily user sending limit exceeded. For more information on Gmail\r\n550 5.4.5 sending limits go to https://support.google.com/a/answer/166852 fake - gsmtp";
    private const string Refused = "rejected.user@example.org"; // the fake Gmail refuses this recipient for good

    [Fact]
    public async Task HeldDelivery_IsToldOnceAfterHeldAfter_NotAgainWithinTheHour_AndTheMailGoesOutTheNormalWay()
    {
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var webhook = await FakeWebhookServer.StartAsync();
        harness.Gmail.MailReply = QuotaReply;
        await using var relay = await harness.StartRelayAsync(s =>
        {
            s["Relay:Notify:To"] = "ops@example.com";
            s["Relay:Notify:WebhookUrl"] = webhook.Url;
        });
        var checks = Checks(relay);

        await relay.SendAsync(Messages.Simple());
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.QuotaReached);

        await TickAsync(clock, checks, minutes: 29);
        Assert.Empty(Notifications(relay));
        Assert.Empty(webhook.Bodies);

        await TickAsync(clock, checks, minutes: 1); // held for 30 minutes (Relay:Notify:HeldAfter's default)
        var told = Assert.Single(Notifications(relay));
        Assert.Equal(["ops@example.com"], told.Recipients);
        Assert.Equal(RelayHarness.Account, told.MailFrom);
        using (var json = JsonDocument.Parse(await webhook.NextAsync()))
        {
            Assert.Equal("held", json.RootElement.GetProperty("event").GetString());
            Assert.Equal("quota", json.RootElement.GetProperty("holdReason").GetString());
            Assert.Equal(1, json.RootElement.GetProperty("queued").GetInt32());
        }

        await TickAsync(clock, checks, minutes: 29); // still held, but told less than an hour ago
        Assert.Single(Notifications(relay));
        Assert.Single(webhook.Bodies);

        // Gmail's window frees: the held message and the notification go out the normal way, through the account.
        harness.Gmail.MailReply = null;
        await relay.NextOutcomeAdvancingAsync(clock, _ => harness.Gmail.Messages.Count == 2);
        var mail = Assert.Single(harness.Gmail.Messages, m => m.Recipients.SequenceEqual(["ops@example.com"]));
        Assert.Equal(RelayHarness.Account, mail.MailFrom);
        var message = MimeMessage.Load(new MemoryStream(mail.Data));
        Assert.Equal("Held", message.Headers[MailNotifier.Header]);
        Assert.StartsWith("Relay: delivery held for 30 minutes", message.Subject, StringComparison.Ordinal);
        Assert.Contains("1 message(s) wait in the queue", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadLetters_AreToldInOneDigestAnHour_AndANotificationThatIsItselfDeadLetteredTellsNothing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var webhook = await FakeWebhookServer.StartAsync();
        await using var relay = await harness.StartRelayAsync(s =>
        {
            s["Relay:Notify:To"] = Refused; // the digest itself will be refused, and dead-lettered
            s["Relay:Notify:WebhookUrl"] = webhook.Url;
        });
        var checks = Checks(relay);

        var first = await SendRefusedAsync(relay, "first");
        var second = await SendRefusedAsync(relay, "second");
        await TickAsync(clock, checks, minutes: 1);

        using (var digest = JsonDocument.Parse(await webhook.NextAsync()))
        {
            Assert.Equal("dead-letters", digest.RootElement.GetProperty("event").GetString());
            var ids = digest.RootElement.GetProperty("deadLetters").EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToList();
            Assert.Equal([first.Id, second.Id], ids);
        }

        var (deadNotification, _) = await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Rejected);
        Assert.True(deadNotification.Notification);
        var text = MimeMessage.Load(relay.Spool.OpenMessage(relay.Spool.Find(deadNotification.Id)!)).TextBody;
        Assert.Contains($"- {first.Id} at ", text, StringComparison.Ordinal);
        Assert.Contains($"- {second.Id} at ", text, StringComparison.Ordinal);

        var third = await SendRefusedAsync(relay, "third");
        await TickAsync(clock, checks, minutes: 58); // within the hour of the first digest: nothing
        Assert.Single(webhook.Bodies);
        Assert.Single(relay.Spool.List(), e => e.Notification);

        await TickAsync(clock, checks, minutes: 2);
        using var next = JsonDocument.Parse(await webhook.NextAsync());
        var listed = Assert.Single(next.RootElement.GetProperty("deadLetters").EnumerateArray()); // the third message, not the dead notification
        Assert.Equal(third.Id, listed.GetProperty("id").GetString());
        Assert.Equal(2, webhook.Bodies.Count);
        Assert.Contains(relay.Logs.Lines, line => line.Contains("[8006]", StringComparison.Ordinal) && line.Contains(deadNotification.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARevokedAuthorization_IsToldByWebhookAtTheNextCheck_WhileTheEmailWaitsInTheHeldQueue()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var webhook = await FakeWebhookServer.StartAsync();
        await using var relay = await harness.StartRelayAsync(s =>
        {
            s["Relay:Notify:To"] = "ops@example.com";
            s["Relay:Notify:WebhookUrl"] = webhook.Url;
        });
        var checks = Checks(relay);

        harness.OAuth.RefreshTokenRevoked = true;
        await relay.SendAsync(Messages.Simple());
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.NeedsAuthorization);
        await TickAsync(clock, checks, minutes: 1);

        using var json = JsonDocument.Parse(await webhook.NextAsync());
        Assert.Equal("reauthorize", json.RootElement.GetProperty("event").GetString());
        Assert.Contains("invalid_grant", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("What to do: Authorize relay.account@example.com again on the web page or with 'relay authorize'", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        var mail = Assert.Single(Notifications(relay));
        Assert.NotEqual(SpoolState.Dead, mail.State); // queued behind the hold, as the README says
        Assert.Empty(harness.Gmail.Messages);
    }

    [Fact]
    public async Task AHoldNoTokenFixes_IsToldWithTheFixTheUpstreamNamed_NotAuthorizeAgain()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var webhook = await FakeWebhookServer.StartAsync();
        await using var identity = await FakeMicrosoftIdentityServer.StartAsync(clock);
        await using var office365 = FakeGmailServer.Office365(TestCertificates.Server, identity.IsValidFor);
        office365.AuthReply = FakeGmailServer.SmtpAuthDisabledReply;
        await using var relay = await harness.StartRelayAsync(s =>
        {
            identity.ConfigureAlone(s, office365.Port);
            s["Relay:Accounts:0:Name"] = "office";
            s["Relay:Accounts:0:Provider"] = "Microsoft";
            s["Relay:Accounts:0:AppOnly"] = "true";
            s["Relay:Accounts:0:Tenant"] = FakeMicrosoftIdentityServer.TenantId;
            s["Relay:Accounts:0:Address"] = FakeMicrosoftIdentityServer.AppMailbox;
            s["Relay:Notify:WebhookUrl"] = webhook.Url;
        });
        var checks = Checks(relay);

        await relay.SendAsync(Messages.Simple());
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.NeedsAuthorization);
        await TickAsync(clock, checks, minutes: 30);

        using var json = JsonDocument.Parse(await webhook.NextAsync());
        var text = json.RootElement.GetProperty("text").GetString()!;
        Assert.Equal("held", json.RootElement.GetProperty("event").GetString());
        Assert.Contains("5.7.139", text, StringComparison.Ordinal);
        Assert.Contains("What to do: Turn SMTP AUTH on for the mailbox", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("authorize", text[text.IndexOf("What to do:", StringComparison.Ordinal)..], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task InvalidNotifyOptions_StopTheStart_NamingEachKey()
    {
        await using var harness = await RelayHarness.StartAsync();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => harness.StartRelayAsync(s =>
        {
            s["Relay:Notify:To"] = "ops at example";
            s["Relay:Notify:WebhookUrl"] = "hooks.example.com/SECRET";
        }));

        var errors = ConfigurationErrors.From(failure);
        Assert.True(errors.Count == 2, failure.ToString());
        Assert.Contains(errors, e => e.StartsWith("Relay:Notify:To", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Relay:Notify:WebhookUrl", StringComparison.Ordinal) && !e.Contains("SECRET", StringComparison.Ordinal));
    }

    private static async Task<SpoolEntry> SendRefusedAsync(RelayInstance relay, string subject)
    {
        var message = Messages.Simple(subject);
        message.To.Clear();
        message.To.Add(MailboxAddress.Parse(Refused));
        await relay.SendAsync(message);
        var (entry, _) = await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Rejected);
        Assert.False(entry.Notification);
        return entry;
    }

    private static List<SpoolEntry> Notifications(RelayInstance relay) => [.. relay.Spool.List().Where(e => e.Notification)];

    private static Channel<bool> Checks(RelayInstance relay)
    {
        var checks = Channel.CreateUnbounded<bool>();
        relay.App.Services.GetRequiredService<NotifyWatcher>().Checked += () => checks.Writer.TryWrite(true);
        return checks;
    }

    /// <summary>Moves the fake clock on one minute at a time, each time waiting for the watcher's check to have run.</summary>
    private static async Task TickAsync(FakeTimeProvider clock, Channel<bool> checks, int minutes)
    {
        for (var i = 0; i < minutes; i++)
        {
            clock.Advance(NotifyWatcher.CheckInterval);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await checks.Reader.ReadAsync(cts.Token);
        }
    }
}
