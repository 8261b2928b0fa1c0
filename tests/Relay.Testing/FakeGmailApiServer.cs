using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Relay.Testing;

/// <summary>The error answers <see cref="FakeGmailApiServer.FailNext"/> can give, in Google's JSON error format.</summary>
public enum GmailApiError
{
    /// <summary>401 authError: the token is not (or no longer) accepted.</summary>
    Unauthorized,

    /// <summary>403 insufficientPermissions: the token lacks a Gmail sending scope.</summary>
    InsufficientPermissions,

    /// <summary>403 dailyLimitExceeded.</summary>
    DailyLimitExceeded,

    /// <summary>403 userRateLimitExceeded.</summary>
    UserRateLimitExceeded,

    /// <summary>429 rateLimitExceeded ("User-rate limit exceeded", the daily sending limit), with Retry-After when given.</summary>
    RateLimitExceeded,

    /// <summary>400 invalidArgument ("Invalid To header").</summary>
    InvalidArgument,

    /// <summary>500 backendError.</summary>
    BackendError,

    /// <summary>503 backendError ("The service is currently unavailable.").</summary>
    Unavailable,

    /// <summary>No answer at all: the connection is dropped once the request has arrived (a network failure).</summary>
    ConnectionDropped,
}

/// <summary>A message the fake Gmail API took: the bytes exactly as uploaded, and whom Gmail would send it to (To, Cc, Bcc).</summary>
public sealed record GmailApiMessage(string Id, string ThreadId, string Account, byte[] Raw, IReadOnlyList<string> Recipients, string UploadType)
{
    /// <summary>What its recipients get, as Gmail sends it: the uploaded bytes without the Bcc (and Resent-Bcc) header fields.</summary>
    public byte[] Visible => FakeGmailApiServer.WithoutBcc(Raw);
}

/// <summary>
/// The Gmail API's <c>users.messages.send</c> upload endpoint, faked over plain HTTP on 127.0.0.1 port 0 (as the fake
/// OAuth server; the other HTTP fakes do no TLS either): <c>uploadType=media</c> with a <c>message/*</c> body, and
/// <c>uploadType=resumable</c> (an initiation POST answered with a session URI in <c>Location</c>, then a PUT of the
/// bytes to it), and the non-upload <c>messages/send</c> with a JSON <c>raw</c>. Gmail sends to To, Cc and Bcc and
/// removes Bcc from the copy (<see cref="GmailApiMessage.Visible"/>). Enforces the 36,700,160-byte limit and checks each Bearer token with <see cref="FakeGoogleOAuthServer"/>:
/// unknown or expired → 401, issued without <c>gmail.send</c> or <c>https://mail.google.com/</c> → 403
/// insufficientPermissions. Errors in Google's JSON shape can be queued with <see cref="FailNext"/>.
/// </summary>
public sealed class FakeGmailApiServer : IAsyncDisposable
{
    /// <summary>The discovery document's maxSize for messages.send (35 MiB), for the simple and the resumable protocol alike.</summary>
    public const long MaxSize = 36_700_160;

    private const string UploadPath = "/upload/gmail/v1/users/{userId}/messages/send";

    private readonly WebApplication _app;
    private readonly FakeGoogleOAuthServer _oauth;
    private readonly ConcurrentQueue<(GmailApiError Error, TimeSpan? RetryAfter)> _failures = new();
    private readonly ConcurrentDictionary<string, (string Account, long? Length)> _sessions = new(StringComparer.Ordinal);
    private readonly Channel<GmailApiMessage> _arrivals = Channel.CreateUnbounded<GmailApiMessage>();
    private int _sent;
    private int _sessionUploadsWithToken;

    private FakeGmailApiServer(WebApplication app, FakeGoogleOAuthServer oauth)
    {
        _app = app;
        _oauth = oauth;
    }

    /// <summary>Where the API is, as <c>Relay:GmailApi:BaseUrl</c> takes it (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Every message taken, oldest first.</summary>
    public ConcurrentQueue<GmailApiMessage> Sent { get; } = new();

    /// <summary>Each request as "METHOD uploadType status", oldest first (no token in it).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>PUTs to a session URI that carried an Authorization header (taken, not required: the session URI authorizes them).</summary>
    public int SessionUploadsWithToken => Volatile.Read(ref _sessionUploadsWithToken);

    /// <summary>When true, resumable sessions are forgotten as soon as they are opened, so the PUT gets 404 as for an expired session.</summary>
    public bool ForgetSessions { get; set; }

    /// <summary>Awaited before each request is answered: lets a test stall the API (a timeout) or act meanwhile.</summary>
    public Func<CancellationToken, Task>? BeforeAnswer { get; set; }

    /// <summary>The next request (after its token is checked) gets <paramref name="error"/>; queued errors are used in order.</summary>
    public void FailNext(GmailApiError error, TimeSpan? retryAfter = null) => _failures.Enqueue((error, retryAfter));

    public static async Task<FakeGmailApiServer> StartAsync(FakeGoogleOAuthServer oauth)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null); // the fake enforces Gmail's own limit
        var app = builder.Build();
        var server = new FakeGmailApiServer(app, oauth);
        app.MapPost(UploadPath, server.PostAsync);
        app.MapPut(UploadPath, server.PutAsync);
        app.MapPost("/gmail/v1/users/{userId}/messages/send", server.PostMetadataAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Waits for the next message the API takes.</summary>
    public async Task<GmailApiMessage> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await _arrivals.Reader.ReadAsync(cts.Token);
    }

    private async Task<IResult> PostAsync(HttpContext context, string userId)
    {
        var uploadType = context.Request.Query["uploadType"].ToString();
        var result = await PostCoreAsync(context, userId, uploadType);
        return Logged(context, uploadType, result);
    }

    private async Task<IResult> PostCoreAsync(HttpContext context, string userId, string uploadType)
    {
        if (BeforeAnswer is { } before)
        {
            await before(context.RequestAborted);
        }

        if (Authorize(context.Request, userId, out var account) is { } refused)
        {
            return refused;
        }

        if (_failures.TryDequeue(out var failure))
        {
            return Fail(context, failure);
        }

        switch (uploadType)
        {
            case "media":
                if (!IsMessageType(context.Request.ContentType))
                {
                    return BadMediaType(context.Request.ContentType);
                }

                if (context.Request.ContentLength > MaxSize)
                {
                    return TooLarge();
                }

                var raw = await ReadAsync(context.Request.Body, context.RequestAborted);
                return raw is null ? TooLarge() : Take(account!, raw, uploadType);
            case "resumable":
                var type = context.Request.Headers["X-Upload-Content-Type"].ToString();
                if (!IsMessageType(type))
                {
                    return BadMediaType(type);
                }

                long? length = long.TryParse(context.Request.Headers["X-Upload-Content-Length"].ToString(), out var declared) ? declared : null;
                if (length > MaxSize)
                {
                    return TooLarge();
                }

                await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted); // the metadata part: none needed for a raw upload
                var session = Guid.NewGuid().ToString("N");
                if (!ForgetSessions)
                {
                    _sessions[session] = (account!, length);
                }

                context.Response.Headers.Location = $"{BaseUrl}/upload/gmail/v1/users/{userId}/messages/send?uploadType=resumable&upload_id={session}";
                return Results.Ok();
            default:
                return GoogleError(400, "invalidArgument", "'raw' RFC822 payload message string or uploading message via /upload/* URL required", "INVALID_ARGUMENT");
        }
    }

    /// <summary>
    /// <c>POST /gmail/v1/users/{userId}/messages/send</c> with a JSON message resource: <c>raw</c> (base64url) is sent;
    /// without it, 400 invalidArgument as Google answers, after the token and its scope were checked.
    /// </summary>
    private async Task<IResult> PostMetadataAsync(HttpContext context, string userId)
    {
        var result = await PostMetadataCoreAsync(context, userId);
        return Logged(context, "metadata", result);
    }

    private async Task<IResult> PostMetadataCoreAsync(HttpContext context, string userId)
    {
        if (Authorize(context.Request, userId, out var account) is { } refused)
        {
            return refused;
        }

        if (_failures.TryDequeue(out var failure))
        {
            return Fail(context, failure);
        }

        string? raw = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            raw = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("raw", out var value) ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return GoogleError(400, "parseError", "Invalid JSON payload received.", "INVALID_ARGUMENT");
        }

        if (string.IsNullOrEmpty(raw))
        {
            return GoogleError(400, "invalidArgument", "'raw' RFC822 payload message string or uploading message via /upload/* URL required", "INVALID_ARGUMENT");
        }

        var bytes = Convert.FromBase64String(raw.Replace('-', '+').Replace('_', '/').PadRight(raw.Length + ((4 - (raw.Length % 4)) % 4), '='));
        return Take(account!, bytes, "metadata");
    }

    /// <summary>The PUT of the bytes to a resumable session URI: the session stands for the authorization, as Google's does.</summary>
    private async Task<IResult> PutAsync(HttpContext context, string userId)
    {
        var result = await PutCoreAsync(context);
        return Logged(context, "resumable-put", result);
    }

    private async Task<IResult> PutCoreAsync(HttpContext context)
    {
        if (BeforeAnswer is { } before)
        {
            await before(context.RequestAborted);
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            Interlocked.Increment(ref _sessionUploadsWithToken);
        }

        if (!_sessions.TryRemove(context.Request.Query["upload_id"].ToString(), out var session))
        {
            return GoogleError(404, "notFound", "No upload session with this upload_id.", "NOT_FOUND");
        }

        if (_failures.TryDequeue(out var failure))
        {
            return Fail(context, failure);
        }

        var raw = await ReadAsync(context.Request.Body, context.RequestAborted);
        if (raw is null)
        {
            return TooLarge();
        }

        if (session.Length is { } length && raw.Length != length)
        {
            return GoogleError(400, "invalidArgument", $"The upload was declared as {length} bytes but {raw.Length} arrived.", "INVALID_ARGUMENT");
        }

        return Take(session.Account, raw, "resumable");
    }

    private IResult Logged(HttpContext context, string uploadType, IResult result)
    {
        Requests.Enqueue($"{context.Request.Method} {uploadType} {(result as IStatusCodeHttpResult)?.StatusCode ?? 200}");
        return result;
    }

    /// <summary>Null when the request may go on; otherwise Google's answer for the token it carries.</summary>
    private IResult? Authorize(HttpRequest request, string userId, out string? account)
    {
        account = null;
        var header = request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : string.Empty;
        if (!_oauth.IsValid(token))
        {
            return Error(GmailApiError.Unauthorized, null);
        }

        if (!_oauth.HasScope(token, FakeGoogleOAuthServer.GmailSendScope) && !_oauth.HasScope(token, FakeGoogleOAuthServer.FullMailScope))
        {
            return Error(GmailApiError.InsufficientPermissions, null);
        }

        account = _oauth.OwnerOf(token)!;
        if (userId != "me" && !string.Equals(userId, account, StringComparison.OrdinalIgnoreCase))
        {
            return GoogleError(403, "forbidden", "Delegation denied for " + account, "PERMISSION_DENIED");
        }

        return null;
    }

    private IResult Take(string account, byte[] raw, string uploadType)
    {
        var recipients = Recipients(raw);
        if (recipients is null)
        {
            return Error(GmailApiError.InvalidArgument, null);
        }

        if (recipients.Count == 0)
        {
            return GoogleError(400, "invalidArgument", "Recipient address required", "INVALID_ARGUMENT");
        }

        var number = Interlocked.Increment(ref _sent);
        var message = new GmailApiMessage($"18c{number:x13}", $"18c{number:x13}", account, raw, recipients, uploadType);
        Sent.Enqueue(message);
        _arrivals.Writer.TryWrite(message);
        return Results.Json(new { id = message.Id, threadId = message.ThreadId, labelIds = new[] { "SENT" } });
    }

    /// <summary>The addresses in To, Cc and Bcc, in header order; null when one of those headers cannot be read.</summary>
    private static List<string>? Recipients(byte[] raw)
    {
        var headers = HeaderList.Load(new MemoryStream(raw, writable: false));
        var recipients = new List<string>();
        foreach (var header in headers.Where(header => header.Id is HeaderId.To or HeaderId.Cc or HeaderId.Bcc))
        {
            if (!InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list))
            {
                return null;
            }

            recipients.AddRange(list.Mailboxes.Select(mailbox => mailbox.Address));
        }

        return recipients;
    }

    /// <summary>The body, or null when it passes <see cref="MaxSize"/>.</summary>
    private static async Task<byte[]?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxSize)
            {
                await body.CopyToAsync(Stream.Null, cancellationToken);
                return null;
            }
        }

        return buffer.ToArray();
    }

    /// <summary>A queued failure: Google's error answer, or (<see cref="GmailApiError.ConnectionDropped"/>) the connection aborted with no answer.</summary>
    private static IResult Fail(HttpContext context, (GmailApiError Error, TimeSpan? RetryAfter) failure)
    {
        if (failure.Error != GmailApiError.ConnectionDropped)
        {
            return Error(failure.Error, failure.RetryAfter);
        }

        context.Abort();
        return Results.Empty;
    }

    /// <summary>
    /// <paramref name="raw"/> without its Bcc and Resent-Bcc header fields (with their folded lines), the rest byte for
    /// byte: Gmail sends to the Bcc addresses and removes the field from the copy it sends.
    /// </summary>
    public static byte[] WithoutBcc(byte[] raw)
    {
        var kept = new MemoryStream(raw.Length);
        var start = 0;
        var skipping = false;
        while (start < raw.Length)
        {
            var end = Array.IndexOf(raw, (byte)'\n', start);
            end = end < 0 ? raw.Length : end + 1;
            var line = raw.AsSpan(start, end - start);
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                kept.Write(raw, start, raw.Length - start); // the empty line and the body
                break;
            }

            var folded = line[0] is (byte)' ' or (byte)'\t';
            if (!folded)
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? string.Empty : System.Text.Encoding.ASCII.GetString(line[..colon]).Trim();
                skipping = name.Equals("Bcc", StringComparison.OrdinalIgnoreCase) || name.Equals("Resent-Bcc", StringComparison.OrdinalIgnoreCase);
            }

            if (!skipping)
            {
                kept.Write(line);
            }

            start = end;
        }

        return kept.ToArray();
    }

    private static bool IsMessageType(string? contentType) => contentType?.StartsWith("message/", StringComparison.OrdinalIgnoreCase) == true;

    private static IResult BadMediaType(string? type) =>
        GoogleError(400, "badContent", $"Media type '{type}' is not supported. Valid media types: [message/*]", "INVALID_ARGUMENT");

    private static IResult TooLarge() => GoogleError(413, "uploadTooLarge", $"Media larger than: {MaxSize}", "FAILED_PRECONDITION");

    private static IResult Error(GmailApiError error, TimeSpan? retryAfter) => error switch
    {
        GmailApiError.Unauthorized => new GoogleErrorResult(401, "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            "UNAUTHENTICATED", null, "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""),
        GmailApiError.InsufficientPermissions => new GoogleErrorResult(403, "insufficientPermissions", "Request had insufficient authentication scopes.",
            "PERMISSION_DENIED", null, $"Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"{FakeGoogleOAuthServer.GmailSendScope}\""),
        GmailApiError.DailyLimitExceeded => GoogleError(403, "dailyLimitExceeded", "Daily Limit Exceeded", "PERMISSION_DENIED", retryAfter, "usageLimits"),
        GmailApiError.UserRateLimitExceeded => GoogleError(403, "userRateLimitExceeded", "User Rate Limit Exceeded", "PERMISSION_DENIED", retryAfter, "usageLimits"),
        GmailApiError.RateLimitExceeded => GoogleError(429, "rateLimitExceeded", "User-rate limit exceeded. (Mail sending)", "RESOURCE_EXHAUSTED", retryAfter, "usageLimits"),
        GmailApiError.InvalidArgument => GoogleError(400, "invalidArgument", "Invalid To header", "INVALID_ARGUMENT"),
        GmailApiError.BackendError => GoogleError(500, "backendError", "Backend Error", "INTERNAL"),
        _ => GoogleError(503, "backendError", "The service is currently unavailable.", "UNAVAILABLE", retryAfter),
    };

    private static IResult GoogleError(int code, string reason, string message, string status, TimeSpan? retryAfter = null, string domain = "global") =>
        new GoogleErrorResult(code, reason, message, status, retryAfter, null, domain);

    /// <summary>Google's JSON error: <c>{"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}</c>.</summary>
    private sealed class GoogleErrorResult(int code, string reason, string message, string status, TimeSpan? retryAfter, string? challenge, string domain = "global")
        : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => code;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = code;
            if (retryAfter is { } delay)
            {
                httpContext.Response.Headers.RetryAfter = ((long)delay.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (challenge is not null)
            {
                httpContext.Response.Headers.WWWAuthenticate = challenge;
            }

            httpContext.Response.ContentType = "application/json; charset=UTF-8";
            await httpContext.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                error = new { code, message, errors = new[] { new { message, domain, reason } }, status },
            }));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _arrivals.Writer.TryComplete();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
