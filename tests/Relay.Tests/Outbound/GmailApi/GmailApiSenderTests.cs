using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Outbound.GmailApi;
using Relay.Accounts;
using Relay.Testing;

namespace Relay.Tests.Outbound.GmailApi;

/// <summary>GmailApiSender through a real HttpClient (from its registration) against the fake Gmail API and the fake Google token endpoint.</summary>
public sealed class GmailApiSenderTests : IAsyncLifetime
{
    private const string Account = "helpdesk@example.com";
    private const string SendOnlyRefreshToken = "1//send-only-refresh-token";

    private static readonly byte[] Message = Encoding.UTF8.GetBytes(
        "From: helpdesk@example.com\r\nTo: user@example.net\r\nBcc: hidden@example.org\r\nSubject: caf\u00e9\r\n\r\nline one\nbare LF, trailing spaces   \r\n.\r\n\u00e9t\u00e9\r\n");

    private readonly string _data = Directory.CreateTempSubdirectory("relay-gmailapi-test-").FullName;
    private readonly LogCapture _logs = new();
    private readonly List<ServiceProvider> _providers = [];
    private FakeGoogleOAuthServer _google = null!;
    private FakeGmailApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _google = await FakeGoogleOAuthServer.StartAsync();
        _google.AddRefreshToken(SendOnlyRefreshToken, Account, FakeGoogleOAuthServer.GmailSendScope);
        _api = await FakeGmailApiServer.StartAsync(_google);
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _api.DisposeAsync();
        await _google.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Send_SmallMessage_IsOneMediaUploadOfTheExactBytes()
    {
        var result = await Sender().SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        var sent = Assert.Single(_api.Sent);
        Assert.Equal(DeliveryResult.Delivered, result.Outcome.Result);
        Assert.Equal(sent.Id, result.GmailId);
        Assert.Contains($"id {sent.Id}", result.Outcome.Reply);
        Assert.Equal(Message, sent.Raw);
        Assert.Equal((Account, "media"), (sent.Account, sent.UploadType));
        Assert.Equal(["user@example.net", "hidden@example.org"], sent.Recipients);
        Assert.Equal(["POST media 200"], _api.Requests);
    }

    [Fact]
    public async Task Send_AboveTheThreshold_GoesThroughAResumableSession()
    {
        var big = Encoding.ASCII.GetBytes("To: user@example.net\r\nSubject: big\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789abcdef\r\n", 4000)));

        var result = await Sender(threshold: 10_000).SendAsync(Tokens(), Write(big), big.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered, result.Outcome.Result);
        var sent = Assert.Single(_api.Sent);
        Assert.Equal(big, sent.Raw);
        Assert.Equal("resumable", sent.UploadType);
        Assert.Equal(["POST resumable 200", "PUT resumable-put 200"], _api.Requests);
        Assert.Equal(1, _api.SessionUploadsWithToken);
    }

    [Fact]
    public async Task Send_SessionUriOnAnotherHost_GetsTheBytesButNotTheToken()
    {
        var big = Encoding.ASCII.GetBytes("To: user@example.net\r\n\r\n" + new string('x', 20_000) + "\r\n");

        // The fake answers with a session URI on 127.0.0.1: another host than "localhost", as far as the token goes.
        var result = await Sender(baseUrl: _api.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), threshold: 10_000)
            .SendAsync(Tokens(), Write(big), big.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered, result.Outcome.Result);
        Assert.Equal(0, _api.SessionUploadsWithToken);
    }

    [Fact]
    public async Task Send_UnknownLength_IsMeasuredWithoutKeepingTheBytes()
    {
        var writes = 0;
        Task WriteCounting(Stream stream, CancellationToken token)
        {
            writes++;
            return stream.WriteAsync(Message, token).AsTask();
        }

        var result = await Sender().SendAsync(Tokens(), WriteCounting, length: null, CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered, result.Outcome.Result);
        Assert.Equal(Message, Assert.Single(_api.Sent).Raw);
        Assert.Equal(2, writes);
    }

    [Fact]
    public async Task Send_LargerThanTheApiTakes_IsRejectedWithoutAnUpload()
    {
        var result = await Sender().SendAsync(Tokens(), (_, _) => throw new InvalidOperationException("must not be written"), FakeGmailApiServer.MaxSize + 1, CancellationToken.None);

        Assert.Equal(DeliveryResult.Rejected, result.Outcome.Result);
        Assert.StartsWith("552 5.3.4 The message is 36700161 bytes; the Gmail API takes at most 36700160 bytes", result.Outcome.Reply);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task Send_TokenRefusedOnce_RefreshesAndSendsWithTheNewToken()
    {
        var tokens = Tokens();
        var first = await tokens.GetAccessTokenAsync(CancellationToken.None);
        _google.Invalidate(first);

        var result = await Sender().SendAsync(tokens, Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered, result.Outcome.Result);
        Assert.Equal(["POST media 401", "POST media 200"], _api.Requests);
        Assert.Equal(2, _google.RefreshCount);
        Assert.Contains(_logs.Lines, line => line.Contains($"refused the access token of {Account} (401); refreshing it", StringComparison.Ordinal));
        Assert.DoesNotContain("ya29.", _logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TokenRefusedAfterTheRefreshToo_NeedsAuthorization()
    {
        _api.FailNext(GmailApiError.Unauthorized);
        _api.FailNext(GmailApiError.Unauthorized);

        var result = await Sender().SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.NeedsAuthorization, result.Outcome.Result);
        Assert.StartsWith($"The Gmail API refused the access token of {Account} again after a refresh (401 authError:", result.Outcome.Reply);
        Assert.Equal(["POST media 401", "POST media 401"], _api.Requests);
        Assert.DoesNotContain("ya29.", result.Outcome.Reply + _logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TokenWithoutAGmailSendingScope_NeedsAuthorizationSayingGmailSend()
    {
        _google.AddRefreshToken("1//profile-only", Account, "openid email");

        var result = await Sender().SendAsync(Tokens("1//profile-only"), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.NeedsAuthorization, result.Outcome.Result);
        Assert.StartsWith($"The token of {Account} lacks the gmail.send scope (403 insufficientPermissions: Request had insufficient authentication scopes.)", result.Outcome.Reply);
        Assert.Empty(_api.Sent);
    }

    [Fact]
    public async Task Send_FullMailScopeToken_IsAlsoAccepted()
    {
        var result = await Sender().SendAsync(Tokens(FakeGoogleOAuthServer.RefreshToken, FakeGoogleOAuthServer.DefaultAccount), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered, result.Outcome.Result);
    }

    [Theory]
    [InlineData(GmailApiError.DailyLimitExceeded, "Gmail API 403 dailyLimitExceeded: Daily Limit Exceeded.")]
    [InlineData(GmailApiError.UserRateLimitExceeded, "Gmail API 403 userRateLimitExceeded: User Rate Limit Exceeded.")]
    [InlineData(GmailApiError.RateLimitExceeded, "Gmail API 429 rateLimitExceeded: User-rate limit exceeded. (Mail sending).")]
    public async Task Send_QuotaOrRateAnswer_IsQuotaReached(GmailApiError error, string reason)
    {
        _api.FailNext(error);

        var result = await Sender().SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal((DeliveryResult.QuotaReached, reason, (TimeSpan?)null), (result.Outcome.Result, result.Outcome.Reply, result.RetryAfter));
    }

    [Fact]
    public async Task Send_QuotaAnswerWithRetryAfter_CarriesIt()
    {
        _api.FailNext(GmailApiError.RateLimitExceeded, TimeSpan.FromMinutes(20));

        var result = await Sender().SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal((DeliveryResult.QuotaReached, TimeSpan.FromMinutes(20)), (result.Outcome.Result, result.RetryAfter));
        Assert.EndsWith("Google asks to retry after 00:20:00.", result.Outcome.Reply);
    }

    [Fact]
    public async Task Send_InvalidArgument_IsRejectedWithGooglesMessage()
    {
        _api.FailNext(GmailApiError.InvalidArgument);

        var result = await Sender().SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal((DeliveryResult.Rejected, "Gmail API 400 invalidArgument: Invalid To header."), (result.Outcome.Result, result.Outcome.Reply));
    }

    [Fact]
    public async Task Send_NoRecipientInTheHeaders_IsRejected()
    {
        var bare = Encoding.ASCII.GetBytes("Subject: nobody\r\n\r\nbody\r\n");

        var result = await Sender().SendAsync(Tokens(), Write(bare), bare.Length, CancellationToken.None);

        Assert.Equal((DeliveryResult.Rejected, "Gmail API 400 invalidArgument: Recipient address required."), (result.Outcome.Result, result.Outcome.Reply));
    }

    [Theory]
    [InlineData(GmailApiError.BackendError, "Gmail API 500 backendError: Backend Error.")]
    [InlineData(GmailApiError.Unavailable, "Gmail API 503 backendError: The service is currently unavailable.")]
    public async Task Send_ServerError_IsDeferred(GmailApiError error, string reason)
    {
        _api.FailNext(error);

        var result = await Sender().SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal((DeliveryResult.Deferred, reason), (result.Outcome.Result, result.Outcome.Reply));
    }

    [Fact]
    public async Task Send_ErrorDuringTheResumableUpload_IsMappedAsWell()
    {
        var big = Encoding.ASCII.GetBytes("To: user@example.net\r\n\r\n" + new string('x', 20_000) + "\r\n");
        _api.FailNext(GmailApiError.Unavailable);

        var result = await Sender(threshold: 10_000).SendAsync(Tokens(), Write(big), big.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.Deferred, result.Outcome.Result);
        Assert.Equal(["POST resumable 503"], _api.Requests);
    }

    [Fact]
    public async Task Send_UploadSessionGone_IsDeferredNotRejected()
    {
        var big = Encoding.ASCII.GetBytes("To: user@example.net\r\n\r\n" + new string('x', 20_000) + "\r\n");
        _api.ForgetSessions = true;

        var result = await Sender(threshold: 10_000).SendAsync(Tokens(), Write(big), big.Length, CancellationToken.None);

        Assert.Equal(
            (DeliveryResult.Deferred, "The Gmail API no longer knows the upload session (404 notFound: No upload session with this upload_id); the next attempt uploads the message again."),
            (result.Outcome.Result, result.Outcome.Reply));
        Assert.Equal(["POST resumable 200", "PUT resumable-put 404"], _api.Requests);
    }

    [Fact]
    public async Task Send_NothingListening_IsDeferred()
    {
        using var closed = new ClosedPort();

        var result = await Sender(baseUrl: $"http://127.0.0.1:{closed.Port}").SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal(DeliveryResult.Deferred, result.Outcome.Result);
        Assert.StartsWith("Upstream unreachable:", result.Outcome.Reply);
    }

    [Fact]
    public async Task Send_ApiSilent_IsDeferredAfterTheTimeout()
    {
        using var silent = new SilentServer();

        var result = await Sender(baseUrl: $"http://127.0.0.1:{silent.Port}", timeout: TimeSpan.FromMilliseconds(300)).SendAsync(Tokens(), Write(Message), Message.Length, CancellationToken.None);

        Assert.Equal((DeliveryResult.Deferred, "The Gmail API did not answer within 00:00:00.3000000 (Relay:GmailApi:Timeout)."), (result.Outcome.Result, result.Outcome.Reply));
    }

    [Fact]
    public async Task Send_CancelledByTheCaller_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        _api.BeforeAnswer = async token =>
        {
            await cancelled.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sender().SendAsync(Tokens(), Write(Message), Message.Length, cancelled.Token));
    }

    [Fact]
    public async Task Probe_SendScopeToken_IsOk_AndSendsNothing()
    {
        var (ok, detail) = await Sender().ProbeAsync(Tokens(), CancellationToken.None);

        Assert.True(ok, detail);
        Assert.Contains($"took the token of {Account} for sending", detail);
        Assert.Equal(["POST metadata 400"], _api.Requests);
        Assert.Empty(_api.Sent);
    }

    [Fact]
    public async Task Probe_TokenRefused_FailsSayingAuthorizeAgain()
    {
        _api.FailNext(GmailApiError.Unauthorized);

        var (ok, detail) = await Sender().ProbeAsync(Tokens(), CancellationToken.None);

        Assert.False(ok);
        Assert.Contains("refused the token of " + Account, detail);
        Assert.Contains("Authorize the account again", detail);
    }

    [Fact]
    public async Task Probe_ApiDown_FailsNamingTheSettingAndTheNetwork()
    {
        using var closed = new ClosedPort();

        var (ok, detail) = await Sender(baseUrl: $"http://127.0.0.1:{closed.Port}").ProbeAsync(Tokens(), CancellationToken.None);

        Assert.False(ok);
        Assert.Contains("cannot be reached", detail);
        Assert.Contains("Relay:GmailApi:BaseUrl", detail);
    }

    [Fact]
    public async Task Probe_ServerError_Fails()
    {
        _api.FailNext(GmailApiError.BackendError);

        var (ok, detail) = await Sender().ProbeAsync(Tokens(), CancellationToken.None);

        Assert.False(ok);
        Assert.Contains("answered 500 backendError", detail);
    }

    private static Func<Stream, CancellationToken, Task> Write(byte[] bytes) => (stream, token) => stream.WriteAsync(bytes, token).AsTask();

    private GmailApiSender Sender(string? baseUrl = null, long? threshold = null, TimeSpan? timeout = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Relay:GmailApi:BaseUrl"] = baseUrl ?? _api.BaseUrl,
            ["Relay:GmailApi:Timeout"] = (timeout ?? TimeSpan.FromSeconds(30)).ToString(),
        };
        if (threshold is { } value)
        {
            settings["Relay:GmailApi:ResumableThreshold"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(_logs))
            .AddGmailApi();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<GmailApiSender>();
    }

    private GoogleAccessTokenSource Tokens(string refreshToken = SendOnlyRefreshToken, string account = Account)
    {
        var store = new TokenStore(
            TokenStore.PathIn(Path.Combine(_data, Guid.NewGuid().ToString("N"))),
            new SecretBox(Options.Create(new SecretsOptions { KeyFile = Path.Combine(_data, "keys", "relay.key") }), NullLogger<SecretBox>.Instance),
            NullLogger<TokenStore>.Instance);
        var google = new GoogleOptions
        {
            ClientId = FakeGoogleOAuthServer.ClientId,
            ClientSecret = FakeGoogleOAuthServer.ClientSecret,
            RefreshToken = refreshToken,
            TokenEndpoint = _google.TokenEndpoint,
        };
        var source = new GoogleAccessTokenSource(
            Relay.Accounts.EffectiveAccounts.Build(new(), new(), new AccountOptions { Address = account }, google).Accounts[0],
            google,
            store,
            TimeProvider.System,
            NullLogger<GoogleAccessTokenSource>.Instance);
        source.Load();
        return source;
    }
}
