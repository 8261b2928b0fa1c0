using Microsoft.Extensions.Time.Testing;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class TokenEndToEndTests
{
    [Fact]
    public async Task ExpiredAccessToken_IsRefreshedBeforeTheNextLogin()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        harness.Gmail.CloseAfterMessage = true; // each message logs in again
        await using var relay = await harness.StartRelayAsync();

        await relay.SendAsync(Messages.Simple("first"));
        var first = await harness.Gmail.NextMessageAsync();
        clock.Advance(TimeSpan.FromHours(2)); // the first access token (1 h) has expired
        await relay.SendAsync(Messages.Simple("second"));
        var second = await harness.Gmail.NextMessageAsync();

        Assert.Equal(2, harness.OAuth.RefreshCount);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(0, harness.Gmail.RefusedTokens);
    }

    [Fact]
    public async Task TokenRefusedByGmail_IsRefreshedOnceAndTheLoginRetried()
    {
        await using var harness = await RelayHarness.StartAsync();
        harness.OAuth.UnusableTokensToIssue = 1;
        await using var relay = await harness.StartRelayAsync();

        await relay.SendAsync(Messages.Simple());
        var received = await harness.Gmail.NextMessageAsync();

        Assert.Equal(1, harness.Gmail.RefusedTokens);
        Assert.Equal(2, harness.OAuth.RefreshCount);
        Assert.Equal(harness.OAuth.Issued.Last(), received.AccessToken);
        // Gmail's 334 challenge is decoded for the operator.
        Assert.Matches("challenge .*status.{0,4}:.{0,4}400", relay.Logs.All);
        AssertNoSecretIn(relay.Logs.All, harness);
    }

    [Fact]
    public async Task TokenRefusedEvenAfterRefresh_HoldsTheQueueWithoutCountingAnAttempt_ThenDelivers()
    {
        await using var harness = await RelayHarness.StartAsync();
        harness.OAuth.UnusableTokensToIssue = 2;
        await using var relay = await harness.StartRelayAsync(s => s["Relay:Outbound:AuthorizationRetryDelay"] = "00:00:00.300");

        await relay.SendAsync(Messages.Simple());
        var (held, outcome) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Equal(0, held.Attempts);
        Assert.Contains("authorize it again", relay.Logs.All, StringComparison.Ordinal);

        var (_, later) = await relay.NextOutcomeAsync();
        Assert.Equal(DeliveryResult.Delivered, later.Result);
        Assert.Single(harness.Gmail.Messages);
        AssertNoSecretIn(relay.Logs.All, harness);
    }

    [Fact]
    public async Task RevokedRefreshToken_HoldsTheQueueAndSaysToAuthorizeAgain()
    {
        await using var harness = await RelayHarness.StartAsync();
        harness.OAuth.RefreshTokenRevoked = true;
        await using var relay = await harness.StartRelayAsync();

        await relay.SendAsync(Messages.Simple());
        var (entry, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("invalid_grant", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(0, entry.Attempts);
        Assert.Equal(1, relay.Spool.Count);
        Assert.Empty(harness.Gmail.Messages);
        AssertNoSecretIn(relay.Logs.All, harness);
    }

    [Fact]
    public async Task RefreshTokenOfAnotherAccount_GmailRefusesTheLogin_NothingIsSentAsTheWrongAccount()
    {
        await using var harness = await RelayHarness.StartAsync();
        harness.OAuth.AddRefreshToken("1//someone-elses-refresh-token", "someone.else@example.com");
        await using var relay = await harness.StartRelayAsync(s => s["Relay:Google:RefreshToken"] = "1//someone-elses-refresh-token");

        await relay.SendAsync(Messages.Simple());
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result); // Gmail ties the token to its owner: user= is not it
        Assert.True(harness.Gmail.RefusedTokens >= 1);
        Assert.Empty(harness.Gmail.Messages);
        Assert.Equal(1, relay.Spool.Count);
    }

    private static void AssertNoSecretIn(string logs, RelayHarness harness)
    {
        Assert.DoesNotContain(FakeGoogleOAuthServer.RefreshToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeGoogleOAuthServer.ClientSecret, logs, StringComparison.Ordinal);
        foreach (var accessToken in harness.OAuth.Issued)
        {
            Assert.DoesNotContain(accessToken, logs, StringComparison.Ordinal);
        }
    }
}
