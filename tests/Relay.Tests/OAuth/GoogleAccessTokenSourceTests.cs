using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.OAuth;
using Relay.Accounts;
using Relay.Testing;

namespace Relay.Tests.OAuth;

public sealed class GoogleAccessTokenSourceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private FakeGoogleOAuthServer _google = null!;

    public async Task InitializeAsync() => _google = await FakeGoogleOAuthServer.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        await _google.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private readonly string _data = Directory.CreateTempSubdirectory("relay-token-test-").FullName;

    private GoogleAccessTokenSource Source(string? refreshToken = FakeGoogleOAuthServer.RefreshToken, string clientSecret = FakeGoogleOAuthServer.ClientSecret)
    {
        var source = Construct(refreshToken, clientSecret);
        source.Load();
        return source;
    }

    private TokenStore Store() => new(
        TokenStore.PathIn(_data),
        new SecretBox(Options.Create(new SecretsOptions { KeyFile = Path.Combine(_data, "keys", "relay.key") }), NullLogger<SecretBox>.Instance),
        NullLogger<TokenStore>.Instance);

    [Fact]
    public async Task Construction_ReadsNoStore_LoadReadsIt()
    {
        var source = Construct(refreshToken: null);
        await Store().SaveAsync(new StoredAuthorization { Account = "stored@example.com", RefreshToken = "1//stored", ClientId = FakeGoogleOAuthServer.ClientId, AuthorizedAt = _clock.GetUtcNow() }, CancellationToken.None);

        source.Load();

        Assert.Equal(("stored@example.com", "web"), (source.Account, source.Status.Source));
    }

    private GoogleAccessTokenSource Construct(string? refreshToken, string clientSecret = FakeGoogleOAuthServer.ClientSecret)
    {
        var google = new GoogleOptions
        {
            ClientId = FakeGoogleOAuthServer.ClientId,
            ClientSecret = clientSecret,
            RefreshToken = refreshToken,
            TokenEndpoint = _google.TokenEndpoint,
        };
        var account = Relay.Accounts.EffectiveAccounts.Build(new(), new(), new AccountOptions { Address = "relay.account@example.com" }, google).Accounts[0];
        return new(account, google, Store(), _clock, NullLogger<GoogleAccessTokenSource>.Instance);
    }

    private Relay.Accounts.AccountSet Accounts(GoogleAccessTokenSource source) => new(
        [new(source.Settings, source, null, new Relay.Outbound.DeliveryGate(_clock, Options.Create(new Relay.Outbound.OutboundOptions()), NullLogger<Relay.Outbound.DeliveryGate>.Instance),
            new Relay.Outbound.QuotaGuard(Options.Create(new Relay.Outbound.QuotaOptions()), Path.Combine(_data, "quota.json"), _clock, () => source.Account))],
        source.Settings.Name);

    [Fact]
    public async Task GetAccessToken_IsFetchedOnceAndReusedWhileValid()
    {
        var source = Source();

        var first = await source.GetAccessTokenAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(30));
        var second = await source.GetAccessTokenAsync(CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(1, _google.RefreshCount);
        Assert.True(_google.IsValid(first));
    }

    [Fact]
    public async Task GetAccessToken_AfterExpiry_ReturnsAFreshToken()
    {
        var source = Source();
        var first = await source.GetAccessTokenAsync(CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(61));
        var second = await source.GetAccessTokenAsync(CancellationToken.None);

        Assert.NotEqual(first, second);
        Assert.True(_google.IsValid(second));
    }

    [Fact]
    public async Task RefreshRejected_ManyDeliveriesAtOnce_RefreshOnlyOnce()
    {
        var source = Source();
        var rejected = await source.GetAccessTokenAsync(CancellationToken.None);

        var fresh = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => source.RefreshRejectedAsync(rejected, CancellationToken.None)));

        Assert.Equal(2, _google.RefreshCount);
        Assert.Single(fresh.Distinct());
        Assert.NotEqual(rejected, fresh[0]);
    }

    [Fact]
    public async Task RevokedRefreshToken_SaysToAuthorizeAgain_WithoutTheToken()
    {
        _google.RefreshTokenRevoked = true;
        var source = Source();

        var failure = await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.GetAccessTokenAsync(CancellationToken.None));

        Assert.Contains("invalid_grant", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Authorize the account again", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeGoogleOAuthServer.RefreshToken, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongClientSecret_NamesTheSettingToCheck_WithoutTheSecret()
    {
        var source = Source(clientSecret: "GOCSPX-wrong-secret");

        var failure = await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.GetAccessTokenAsync(CancellationToken.None));

        Assert.Contains("Relay:Google:ClientId and ClientSecret", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("GOCSPX-wrong-secret", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoRefreshToken_NoAccount()
    {
        var source = Source(refreshToken: null);

        Assert.Null(source.Account);
        await Assert.ThrowsAsync<AuthorizationRequiredException>(() => source.GetAccessTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task KeepAlive_RefreshesAtLeastWeekly_EvenWithNoMailToSend()
    {
        var source = Source();
        var health = new TokenHealth(Accounts(source), _clock, NullLogger<TokenHealth>.Instance);

        await health.CheckAsync(CancellationToken.None); // never refreshed yet
        Assert.Equal(1, _google.RefreshCount);
        _clock.Advance(TimeSpan.FromDays(5));
        await health.CheckAsync(CancellationToken.None);
        Assert.Equal(1, _google.RefreshCount);
        _clock.Advance(TimeSpan.FromDays(1.5));
        await health.CheckAsync(CancellationToken.None);
        Assert.Equal(2, _google.RefreshCount);
        Assert.Equal(_clock.GetUtcNow(), source.Status.LastRefreshAt);
    }
}
