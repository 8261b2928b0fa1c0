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

/// <summary>The error answers <see cref="FakeGraphServer.FailNext"/> can give, in Graph's JSON error format.</summary>
public enum GraphFailure
{
    /// <summary>401 InvalidAuthenticationToken.</summary>
    Unauthorized,

    /// <summary>403 ErrorAccessDenied (no Mail.Send, no admin consent, or an application access policy leaves the mailbox out).</summary>
    AccessDenied,

    /// <summary>403 ErrorSendAsDenied.</summary>
    SendAsDenied,

    /// <summary>400 ErrorMimeContentInvalidBase64String.</summary>
    InvalidMime,

    /// <summary>429 ApplicationThrottled (MailboxConcurrency), with Retry-After when given.</summary>
    Throttled,

    /// <summary>500 InternalServerError.</summary>
    InternalServerError,

    /// <summary>503 ServiceUnavailable, with Retry-After when given.</summary>
    ServiceUnavailable,

    /// <summary>504 GatewayTimeout, with Retry-After when given.</summary>
    GatewayTimeout,

    /// <summary>No answer at all: the connection is dropped once the request has arrived.</summary>
    ConnectionDropped,
}

/// <summary>A message the fake Graph took: the MIME bytes decoded from the base64 body, and whom Exchange would send it to (To, Cc, Bcc).</summary>
public sealed record GraphMessage(string Mailbox, byte[] Raw, IReadOnlyList<string> Recipients, IReadOnlyList<string> Bcc, string ContentType)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Raw);
}

/// <summary>
/// Microsoft Graph's <c>POST /v1.0/users/{id}/sendMail</c> with a MIME body, faked over plain HTTP on 127.0.0.1 port 0:
/// the Bearer token is checked with <see cref="IsValidToken"/> (401 InvalidAuthenticationToken), the body must be
/// <c>text/plain</c> base64 (400 ErrorMimeContentInvalidBase64String), at most 4 MB (413), with a header From that is
/// the mailbox or one of <see cref="SendAs"/> (403 ErrorSendAsDenied) and at least one recipient in To, Cc or Bcc.
/// Answers 202 with no body. More than 4 requests in flight for one mailbox get 429 with Retry-After, as Graph's
/// MailboxConcurrency limit; <see cref="MaxInFlight"/> records the most seen at once. Errors can be queued with
/// <see cref="FailNext"/>, and <see cref="BeforeAnswer"/> can hold requests open.
/// </summary>
public sealed class FakeGraphServer : IAsyncDisposable
{
    /// <summary>Graph's request limit: 4 MB.</summary>
    public const long MaxRequestBytes = 4 * 1024 * 1024;

    /// <summary>Graph's concurrent requests per mailbox.</summary>
    public const int MailboxConcurrency = 4;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(GraphFailure Failure, TimeSpan? RetryAfter)> _failures = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.OrdinalIgnoreCase);
    private readonly Channel<GraphMessage> _arrivals = Channel.CreateUnbounded<GraphMessage>();
    private int _maxInFlight;
    private int _refusedTokens;

    private FakeGraphServer(WebApplication app, Func<string, string, bool> isValidToken)
    {
        _app = app;
        IsValidToken = isValidToken;
    }

    /// <summary>Where Graph is, as <c>Relay:Microsoft:GraphUrl</c> takes it (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Decides whether (mailbox of the URL, Bearer token) may send; settable, e.g. to rotate the valid token.</summary>
    public Func<string, string, bool> IsValidToken { get; set; }

    /// <summary>Addresses any mailbox may also send as (Send As granted), besides itself.</summary>
    public ConcurrentBag<string> SendAs { get; } = [];

    /// <summary>Every message taken, oldest first.</summary>
    public ConcurrentQueue<GraphMessage> Sent { get; } = new();

    /// <summary>Each request as "POST mailbox status", oldest first (no token in it).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The most requests seen in flight at once for one mailbox.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Requests answered 401.</summary>
    public int RefusedTokens => Volatile.Read(ref _refusedTokens);

    /// <summary>Awaited (once the request counts as in flight, before it is answered): lets a test hold requests open.</summary>
    public Func<CancellationToken, Task>? BeforeAnswer { get; set; }

    /// <summary>The next request (after its token is checked) gets <paramref name="failure"/>; queued failures are used in order.</summary>
    public void FailNext(GraphFailure failure, TimeSpan? retryAfter = null) => _failures.Enqueue((failure, retryAfter));

    /// <param name="isValidToken">(mailbox, token) → may send; every token is taken when null.</param>
    public static async Task<FakeGraphServer> StartAsync(Func<string, string, bool>? isValidToken = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null); // the fake enforces Graph's own limit
        var app = builder.Build();
        var server = new FakeGraphServer(app, isValidToken ?? ((_, _) => true));
        app.MapPost("/v1.0/users/{id}/sendMail", server.SendMailAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Waits for the next message Graph takes.</summary>
    public async Task<GraphMessage> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await _arrivals.Reader.ReadAsync(cts.Token);
    }

    private async Task<IResult> SendMailAsync(HttpContext context, string id)
    {
        var inFlight = _inFlight.AddOrUpdate(id, 1, (_, count) => count + 1);
        try
        {
            int seen;
            while (inFlight > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seen) != seen)
            {
            }

            var result = await AnswerAsync(context, id, inFlight);
            Requests.Enqueue($"POST {id} {(result as IStatusCodeHttpResult)?.StatusCode ?? 202}");
            return result;
        }
        finally
        {
            _inFlight.AddOrUpdate(id, 0, (_, count) => count - 1);
        }
    }

    private async Task<IResult> AnswerAsync(HttpContext context, string mailbox, int inFlight)
    {
        if (BeforeAnswer is { } before)
        {
            await before(context.RequestAborted);
        }

        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : string.Empty;
        if (!IsValidToken(mailbox, token))
        {
            Interlocked.Increment(ref _refusedTokens);
            return Error(GraphFailure.Unauthorized, null);
        }

        if (inFlight > MailboxConcurrency)
        {
            return Error(GraphFailure.Throttled, TimeSpan.FromSeconds(1));
        }

        if (_failures.TryDequeue(out var failure))
        {
            if (failure.Failure == GraphFailure.ConnectionDropped)
            {
                context.Abort();
                return Results.Empty;
            }

            return Error(failure.Failure, failure.RetryAfter);
        }

        if (context.Request.ContentLength > MaxRequestBytes)
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            return TooLarge();
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > MaxRequestBytes)
        {
            return TooLarge();
        }

        var contentType = context.Request.ContentType ?? string.Empty;
        if (!contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            // Graph reads any other body as a JSON message resource.
            return GraphError(400, "RequestBodyRead", $"Cannot read a MIME message from a body of type '{contentType}': send it base64-encoded as text/plain.");
        }

        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(body.ToArray()));
        }
        catch (FormatException)
        {
            return Error(GraphFailure.InvalidMime, null);
        }

        var headers = HeaderList.Load(new MemoryStream(raw, writable: false));
        var from = headers[HeaderId.From] is { } fromValue && InternetAddressList.TryParse(fromValue, out var fromList) ? fromList.Mailboxes.FirstOrDefault()?.Address : null;
        if (from is not null && !string.Equals(from, mailbox, StringComparison.OrdinalIgnoreCase) && !SendAs.Contains(from, StringComparer.OrdinalIgnoreCase))
        {
            return Error(GraphFailure.SendAsDenied, null);
        }

        var recipients = new List<string>();
        var bcc = new List<string>();
        foreach (var field in headers.Where(field => field.Id is HeaderId.To or HeaderId.Cc or HeaderId.Bcc))
        {
            if (!InternetAddressList.TryParse(ParserOptions.Default, field.RawValue, out var list))
            {
                return GraphError(400, "ErrorInvalidRecipients", $"The {field.Field} header cannot be read.");
            }

            recipients.AddRange(list.Mailboxes.Select(address => address.Address));
            if (field.Id == HeaderId.Bcc)
            {
                bcc.AddRange(list.Mailboxes.Select(address => address.Address));
            }
        }

        if (recipients.Count == 0)
        {
            return GraphError(400, "ErrorInvalidRecipients", "At least one recipient is required, but none were found.");
        }

        var message = new GraphMessage(mailbox, raw, recipients, bcc, contentType);
        Sent.Enqueue(message);
        _arrivals.Writer.TryWrite(message);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static IResult TooLarge() =>
        GraphError(413, "ErrorRequestEntityTooLarge", $"The request exceeds the maximum supported size of {MaxRequestBytes} bytes.");

    private static IResult Error(GraphFailure failure, TimeSpan? retryAfter) => failure switch
    {
        GraphFailure.Unauthorized => GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
        GraphFailure.AccessDenied => GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
        GraphFailure.SendAsDenied => GraphError(403, "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message."),
        GraphFailure.InvalidMime => GraphError(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content."),
        GraphFailure.Throttled => GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", retryAfter),
        GraphFailure.InternalServerError => GraphError(500, "ErrorInternalServerError", "An internal server error occurred. The operation failed."),
        GraphFailure.GatewayTimeout => GraphError(504, "UnknownError", "The gateway timed out.", retryAfter),
        _ => GraphError(503, "ServiceUnavailable", "Service Unavailable", retryAfter),
    };

    private static IResult GraphError(int status, string code, string message, TimeSpan? retryAfter = null) => new GraphErrorResult(status, code, message, retryAfter);

    /// <summary>Graph's JSON error: <c>{"error":{"code","message","innerError":{"date","request-id"}}}</c>.</summary>
    private sealed class GraphErrorResult(int status, string code, string message, TimeSpan? retryAfter) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (retryAfter is { } delay)
            {
                httpContext.Response.Headers.RetryAfter = ((long)delay.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            httpContext.Response.ContentType = "application/json";
            await httpContext.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                error = new { code, message, innerError = new Dictionary<string, string> { ["date"] = "2026-11-30T20:00:00", ["request-id"] = Guid.NewGuid().ToString() } },
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
