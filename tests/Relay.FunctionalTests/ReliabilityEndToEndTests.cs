using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Relay.Outbound;
using Relay.Spool;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class ReliabilityEndToEndTests
{
    [Fact]
    public async Task Temporary4xx_IsDeferredThenDelivered()
    {
        await using var harness = await RelayHarness.StartAsync();
        harness.Gmail.MailReply = "451 4.3.0 Mail server temporarily rejected message. fake - gsmtp";
        await using var relay = await harness.StartRelayAsync();
        await relay.SendAsync(Messages.Simple());

        var (deferred, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        Assert.StartsWith("451 4.3.0", outcome.Reply, StringComparison.Ordinal);

        harness.Gmail.MailReply = null;
        var (delivered, _) = await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        Assert.Equal(deferred.Id, delivered.Id);
        Assert.Equal(1, delivered.Attempts);
        Assert.Single(harness.Gmail.Messages);
    }

    [Fact]
    public async Task OneRefusedRecipientAmongGoodOnes_OthersGetIt_RefusedOneIsADeadLetter()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await harness.StartRelayAsync();
        var message = Messages.Simple();
        message.To.Add(MailboxAddress.Parse("rejected.user@example.org"));
        message.Cc.Add(MailboxAddress.Parse("bob@example.net"));
        await relay.SendAsync(message);

        var (_, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.PartiallyDelivered, outcome.Result);
        var received = Assert.Single(harness.Gmail.Messages);
        Assert.Equal(["alice@example.org", "bob@example.net"], received.Recipients.Order());

        var dead = Assert.Single(relay.Spool.List(), e => e.State == SpoolState.Dead);
        Assert.Equal(["rejected.user@example.org"], dead.Recipients);
        Assert.Contains("5.1.1", dead.LastError, StringComparison.Ordinal);
        Assert.Equal(0, relay.Spool.Count);
    }

    [Fact]
    public async Task OneTemporarilyRefusedRecipient_OthersGetIt_ItIsQueuedAgainAlone()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await harness.StartRelayAsync(s =>
        {
            s["Relay:Outbound:RetryInitialDelay"] = "01:00:00";
            s["Relay:Outbound:RetryMaxDelay"] = "01:00:00";
        });
        var message = Messages.Simple();
        message.To.Add(MailboxAddress.Parse("busy.user@example.org"));
        await relay.SendAsync(message);

        var (original, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.PartiallyDelivered, outcome.Result);
        Assert.Equal(["alice@example.org"], Assert.Single(harness.Gmail.Messages).Recipients);
        var requeued = Assert.Single(relay.Spool.List());
        Assert.NotEqual(original.Id, requeued.Id);
        Assert.Equal(SpoolState.Deferred, requeued.State);
        Assert.Equal(["busy.user@example.org"], requeued.Recipients);
        Assert.Equal(1, requeued.Attempts);
        Assert.Contains("450 4.2.1", requeued.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedToken_HoldsTheQueueWithoutCountingAttempts_ThenANewTokenDeliversEverything()
    {
        await using var harness = await RelayHarness.StartAsync();
        harness.OAuth.RefreshTokenRevoked = true;
        await using var relay = await harness.StartRelayAsync(s => s["Relay:Outbound:AuthorizationRetryDelay"] = "00:00:00.500");

        await relay.SendAsync(Messages.Simple("first"));
        var (_, held) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.NeedsAuthorization, held.Result);
        await relay.SendAsync(Messages.Simple("second"));
        await relay.SendAsync(Messages.Simple("third"));
        Assert.Equal(HoldReason.Authorization, relay.Gate.State.Reason);
        Assert.All(relay.Spool.List(), entry => Assert.Equal(0, entry.Attempts));

        harness.OAuth.RefreshTokenRevoked = false; // the account was authorized again
        for (var i = 0; i < 3; i++)
        {
            var (entry, outcome) = await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
            Assert.Equal(0, entry.Attempts); // no attempt was counted while held
        }

        Assert.Equal(3, harness.Gmail.Messages.Count);
        Assert.Equal(HoldReason.None, relay.Gate.State.Reason);
        Assert.Single(relay.Logs.Lines, line => line.Contains("[4004]", StringComparison.Ordinal)); // said once, not per message
    }

    [Fact]
    public async Task DailyQuotaReached_HoldsTheQueue_AndDeliversWhenTheWindowFrees()
    {
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        harness.Gmail.MailReply = "550-5.4.5 Daily user sending limit exceeded. For more information on Gmail\r\n550 5.4.5 sending limits go to https://support.google.com/a/answer/166852 fake - gsmtp";
        await using var relay = await harness.StartRelayAsync();

        await relay.SendAsync(Messages.Simple());
        var (held, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.QuotaReached, outcome.Result);
        Assert.Equal(0, held.Attempts);
        Assert.Equal(HoldReason.Quota, relay.Gate.State.Reason);
        Assert.DoesNotContain(relay.Spool.List(), e => e.State == SpoolState.Dead);

        harness.Gmail.MailReply = null; // Gmail's window has freed
        var (delivered, _) = await relay.NextOutcomeAdvancingAsync(clock, o => o.Result == DeliveryResult.Delivered);
        Assert.Equal(0, delivered.Attempts);
        Assert.Single(harness.Gmail.Messages);
    }

    [Fact]
    public async Task GmailRateLimit421_HoldsTheQueueWithoutCountingAnAttempt_AndProbesAfterQuotaRetryDelay()
    {
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        harness.Gmail.MailReply = "421 4.7.0 Try again later, closing connection. (MAIL) fake - gsmtp";
        await using var relay = await harness.StartRelayAsync(s => s["Relay:Outbound:QuotaRetryDelay"] = "00:07:00");

        await relay.SendAsync(Messages.Simple());
        var (held, outcome) = await relay.NextOutcomeAsync();
        var heldAt = clock.GetUtcNow();
        Assert.Equal(DeliveryResult.QuotaReached, outcome.Result);
        Assert.StartsWith("421 4.7.0", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(0, held.Attempts);
        Assert.Equal(HoldReason.Quota, relay.Gate.State.Reason);
        Assert.Equal(heldAt + TimeSpan.FromMinutes(7), relay.Gate.State.NextTryAt); // Relay:Outbound:QuotaRetryDelay, not the default 15 min

        harness.Gmail.MailReply = null;
        var (delivered, _) = await relay.NextOutcomeAdvancingAsync(clock, o => o.Result == DeliveryResult.Delivered);
        Assert.Equal(heldAt + TimeSpan.FromMinutes(7), clock.GetUtcNow()); // the probe came at the next due time, no earlier
        Assert.Equal(0, delivered.Attempts);
        Assert.Single(harness.Gmail.Messages);
        Assert.Equal(2, harness.Gmail.Connections); // the refused try and the probe: no other worker tried again meanwhile
    }

    [Fact]
    public async Task MessageStillUndeliveredAfterTheMaximumAge_GoesToTheDeadLettersWithTheLastError()
    {
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        harness.Gmail.Mode = FakeGmailMode.CloseOnConnect;
        await using var relay = await harness.StartRelayAsync(s =>
        {
            s["Relay:Outbound:RetryInitialDelay"] = "00:01:00";
            s["Relay:Outbound:RetryMaxDelay"] = "1.00:00:00"; // about a dozen attempts in five days, each a step of the clock
        });
        await relay.SendAsync(Messages.Simple());

        var (dead, outcome) = await relay.NextOutcomeAdvancingAsync(clock, _ => relay.Spool.Count == 0);
        Assert.Equal(DeliveryResult.Deferred, outcome.Result); // the last attempt failed as the others did…
        var entry = Assert.Single(relay.Spool.List());
        Assert.Equal(SpoolState.Dead, entry.State); // …and the message was given up
        Assert.StartsWith("Expired after 5 day(s) in the queue; last error: Upstream", entry.LastError, StringComparison.Ordinal);
        Assert.True(entry.Attempts > 5);
        Assert.Equal(dead.Id, entry.Id);
        Assert.Empty(harness.Gmail.Messages);
    }

    [Fact]
    public async Task QuotaGuard_HoldsBeforeGmailWould_AndReleasesWhenTheWindowSlides()
    {
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var relay = await harness.StartRelayAsync(s => s["Relay:Quota:MaxMessages"] = "2");

        for (var i = 0; i < 2; i++)
        {
            await relay.SendAsync(Messages.Simple($"within the quota {i}"));
            await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        }

        await relay.SendAsync(Messages.Simple("over the quota"));
        await relay.Logs.WaitForAsync(line => line.Contains("[4010]", StringComparison.Ordinal)); // held, said once
        Assert.Equal(HoldReason.Quota, relay.Gate.State.Reason);
        Assert.Equal(2, harness.Gmail.Messages.Count);

        var (entry, _) = await relay.NextOutcomeAdvancingAsync(clock, o => o.Result == DeliveryResult.Delivered);
        Assert.Equal(0, entry.Attempts); // no attempt was burnt while held
        Assert.Equal(3, harness.Gmail.Messages.Count);
    }
}
