using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Relay.Testing;

namespace Relay.Tests.Outbound.GmailApi;

/// <summary>The fake Gmail API itself: what it checks, spoken to with a bare HttpClient.</summary>
public sealed class FakeGmailApiServerTests : IAsyncLifetime
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("To: a@example.com\r\nCc: b@example.com\r\nSubject: s\r\n\r\nbody\r\n");

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly HttpClient _http = new();
    private FakeGoogleOAuthServer _google = null!;
    private FakeGmailApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _google = await FakeGoogleOAuthServer.StartAsync(_clock);
        _api = await FakeGmailApiServer.StartAsync(_google);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
        await _google.DisposeAsync();
    }

    [Theory]
    [InlineData(FakeGoogleOAuthServer.GmailSendScope, HttpStatusCode.OK, null)]
    [InlineData(FakeGoogleOAuthServer.FullMailScope, HttpStatusCode.OK, null)]
    [InlineData("openid email", HttpStatusCode.Forbidden, "insufficientPermissions")]
    [InlineData("https://www.googleapis.com/auth/gmail.readonly", HttpStatusCode.Forbidden, "insufficientPermissions")]
    public async Task Send_ChecksTheScopeTheTokenWasIssuedFor(string scope, HttpStatusCode expected, string? reason)
    {
        var token = await TokenAsync(scope);

        using var response = await _http.SendAsync(Media(token, Message));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(reason, await ReasonAsync(response));
    }

    [Fact]
    public async Task Send_UnknownOrExpiredToken_Is401AuthError()
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);
        _clock.Advance(TimeSpan.FromHours(2));

        using var expired = await _http.SendAsync(Media(token, Message));
        using var unknown = await _http.SendAsync(Media("ya29.never-issued", Message));

        Assert.Equal((HttpStatusCode.Unauthorized, "authError"), (expired.StatusCode, await ReasonAsync(expired)));
        Assert.Equal((HttpStatusCode.Unauthorized, "authError"), (unknown.StatusCode, await ReasonAsync(unknown)));
        Assert.Contains("invalid_token", unknown.Headers.WwwAuthenticate.ToString());
        Assert.Empty(_api.Sent);
    }

    [Fact]
    public async Task Send_Media_KeepsTheBytesAndAnswersAsGmail()
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);

        using var response = await _http.SendAsync(Media(token, Message));

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(_api.Sent);
        Assert.Equal(sent.Id, answer.RootElement.GetProperty("id").GetString());
        Assert.Equal(sent.ThreadId, answer.RootElement.GetProperty("threadId").GetString());
        Assert.Equal("SENT", answer.RootElement.GetProperty("labelIds")[0].GetString());
        Assert.Equal(Message, sent.Raw);
        Assert.Equal(FakeGoogleOAuthServer.DefaultAccount, sent.Account);
        Assert.Equal(["a@example.com", "b@example.com"], sent.Recipients);
    }

    [Fact]
    public async Task Send_BccRecipientsGetTheMessage_ButNotTheBccField()
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);
        var raw = Encoding.UTF8.GetBytes("From: f@example.com\r\nBcc: hidden@example.org,\r\n folded@example.org\r\nTo: a@example.com\r\nSubject: Bcc: in the subject\r\n\r\nBcc: in the body\r\n");

        using var response = await _http.SendAsync(Media(token, raw));
        await response.Content.ReadAsStringAsync();

        var sent = Assert.Single(_api.Sent);
        Assert.Equal(["hidden@example.org", "folded@example.org", "a@example.com"], sent.Recipients);
        Assert.Equal("From: f@example.com\r\nTo: a@example.com\r\nSubject: Bcc: in the subject\r\n\r\nBcc: in the body\r\n", Encoding.UTF8.GetString(sent.Visible));
    }

    [Fact]
    public async Task Send_MediaNotAMessage_Is400()
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);
        var request = Media(token, Message);
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain");

        using var response = await _http.SendAsync(request);

        Assert.Equal((HttpStatusCode.BadRequest, "badContent"), (response.StatusCode, await ReasonAsync(response)));
    }

    [Fact]
    public async Task Send_MediaOverTheLimit_Is413()
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);

        using var over = await _http.SendAsync(Media(token, new byte[FakeGmailApiServer.MaxSize + 1]));

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "uploadTooLarge"), (over.StatusCode, await ReasonAsync(over)));
        Assert.Empty(_api.Sent);
    }

    [Fact]
    public async Task Send_ResumableSession_TakesThePutOfTheDeclaredLength()
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);

        using var started = await _http.SendAsync(Resumable(token, Message.Length));
        using var wrongLength = await _http.PutAsync(started.Headers.Location, new ByteArrayContent(Message[1..]));
        using var again = await _http.SendAsync(Resumable(token, Message.Length));
        using var put = await _http.PutAsync(again.Headers.Location, new ByteArrayContent(Message));

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongLength.StatusCode);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("resumable", Assert.Single(_api.Sent).UploadType);
    }

    [Fact]
    public async Task Send_ResumableDeclaringMoreThanTheLimit_Is413()
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);

        using var response = await _http.SendAsync(Resumable(token, FakeGmailApiServer.MaxSize + 1));

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "uploadTooLarge"), (response.StatusCode, await ReasonAsync(response)));
    }

    [Theory]
    [InlineData(GmailApiError.DailyLimitExceeded, 403, "dailyLimitExceeded")]
    [InlineData(GmailApiError.UserRateLimitExceeded, 403, "userRateLimitExceeded")]
    [InlineData(GmailApiError.RateLimitExceeded, 429, "rateLimitExceeded")]
    [InlineData(GmailApiError.InvalidArgument, 400, "invalidArgument")]
    [InlineData(GmailApiError.BackendError, 500, "backendError")]
    [InlineData(GmailApiError.Unavailable, 503, "backendError")]
    [InlineData(GmailApiError.Unauthorized, 401, "authError")]
    public async Task FailNext_AnswersInGooglesErrorShapeOnce(GmailApiError error, int status, string reason)
    {
        var token = await TokenAsync(FakeGoogleOAuthServer.GmailSendScope);
        _api.FailNext(error, TimeSpan.FromSeconds(90));

        using var failed = await _http.SendAsync(Media(token, Message));
        using var next = await _http.SendAsync(Media(token, Message));

        using var body = JsonDocument.Parse(await failed.Content.ReadAsStringAsync());
        Assert.Equal(status, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(((HttpStatusCode)status, reason), (failed.StatusCode, await ReasonAsync(failed)));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private async Task<string> TokenAsync(string scope)
    {
        var refreshToken = "1//scoped-" + Guid.NewGuid().ToString("N");
        _google.AddRefreshToken(refreshToken, FakeGoogleOAuthServer.DefaultAccount, scope);
        using var response = await _http.PostAsync(_google.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = FakeGoogleOAuthServer.ClientId,
            ["client_secret"] = FakeGoogleOAuthServer.ClientSecret,
        }));
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(scope, answer.RootElement.GetProperty("scope").GetString());
        return answer.RootElement.GetProperty("access_token").GetString()!;
    }

    private HttpRequestMessage Media(string token, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _api.BaseUrl + "/upload/gmail/v1/users/me/messages/send?uploadType=media") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private HttpRequestMessage Resumable(string token, long length)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _api.BaseUrl + "/upload/gmail/v1/users/me/messages/send?uploadType=resumable") { Content = new ByteArrayContent([]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Upload-Content-Type", "message/rfc822");
        request.Headers.Add("X-Upload-Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return request;
    }

    private static async Task<string?> ReasonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("error").GetProperty("errors")[0].GetProperty("reason").GetString();
    }
}
