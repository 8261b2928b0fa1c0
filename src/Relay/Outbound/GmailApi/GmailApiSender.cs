using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.OAuth;

namespace Relay.Outbound.GmailApi;

/// <summary>
/// Sends a finished message through the Gmail API's <c>users.messages.send</c> upload endpoint as raw
/// <c>message/rfc822</c> bytes: one request up to <see cref="GmailApiOptions.ResumableThreshold"/>, a resumable upload
/// session above it. The bytes are streamed from the writer each time they are sent (never held). Answers become
/// outcomes: 2xx delivered; 401 refresh once and retry, then needs authorization; 403 insufficientPermissions needs
/// authorization (the token lacks gmail.send); 403 daily/user rate limits and 429 quota; other 4xx rejected; 5xx,
/// network failures and timeouts deferred. The token goes only in the Authorization header, and only to the API's own origin.
/// </summary>
internal sealed class GmailApiSender(IHttpClientFactory httpClients, IOptions<GmailApiOptions> options, TimeProvider time, ILogger<GmailApiSender> logger)
{
    public const string HttpClientName = "GmailApi";


    /// <param name="tokens">The account's token source.</param>
    /// <param name="writeMessage">Writes the message bytes to the stream; called once per upload (again after a refused token).</param>
    /// <param name="length">The number of bytes <paramref name="writeMessage"/> writes, when known; otherwise it is measured by a first, discarded write.</param>
    public async Task<GmailApiSendResult> SendAsync(
        IAccessTokenSource tokens, Func<Stream, CancellationToken, Task> writeMessage, long? length, CancellationToken cancellationToken)
    {
        var account = tokens.Account ?? "(no account)";
        try
        {
            var size = length ?? await MessageLength.MeasureAsync(writeMessage, cancellationToken);
            if (size > GmailApiOptions.MaxMessageSize)
            {
                return new(DeliveryOutcome.Rejected(
                    $"552 5.3.4 The message is {size} bytes; the Gmail API takes at most {GmailApiOptions.MaxMessageSize} bytes (35 MiB)."));
            }

            var token = await tokens.GetAccessTokenAsync(cancellationToken);
            var answer = await UploadAsync(token, writeMessage, size, cancellationToken);
            if (answer.Status == HttpStatusCode.Unauthorized)
            {
                GmailApiLog.TokenRejected(logger, account, (int)answer.Status);
                token = await tokens.RefreshRejectedAsync(token, cancellationToken);
                answer = await UploadAsync(token, writeMessage, size, cancellationToken);
            }

            var result = Map(answer, account);
            if (result.GmailId is { } id)
            {
                GmailApiLog.Sent(logger, account, size, size > options.Value.ResumableThreshold ? "resumable" : "media", id);
            }
            else
            {
                GmailApiLog.Refused(logger, account, result.Outcome.Reply);
            }

            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return new(DeliveryOutcome.Deferred($"The Gmail API did not answer within {options.Value.Timeout} (Relay:GmailApi:Timeout)."));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or AuthorizationRequiredException or TokenRefreshException)
        {
            return new(DeliveryClassifier.Classify(ex));
        }
    }

    /// <summary>
    /// For <c>relay check</c>: whether the API is reachable and takes the account's token for sending, without sending.
    /// gmail.send allows no read call, so the probe is a <c>users.messages.send</c> with no message: Google checks the
    /// token and its scope first (401, 403 insufficientPermissions), then refuses the empty request (400 invalidArgument),
    /// which is the answer that means all is well. Returns whether it is, and what was found.
    /// </summary>
    public async Task<(bool Ok, string Detail)> ProbeAsync(IAccessTokenSource tokens, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var endpoint = settings.BaseUrl.TrimEnd('/') + "/gmail/v1/users/me/messages/send";
        try
        {
            var token = await tokens.GetAccessTokenAsync(cancellationToken);
            using var timeout = new CancellationTokenSource(settings.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var answer = await ExchangeAsync(httpClients.CreateClient(HttpClientName), request, linked.Token);
            var error = GoogleApiError.Parse((int)answer.Status, answer.Body);
            return (int)answer.Status switch
            {
                400 when error.Reason is not null => (true, $"{settings.BaseUrl} answered over HTTPS and took the token of {tokens.Account} for sending (an empty send, refused as expected: {error.Reason ?? "400"}; nothing was sent)"),
                401 => (false, $"{settings.BaseUrl} refused the token of {tokens.Account} ({error}). Authorize the account again."),
                403 when error.HasReason("insufficientPermissions") || answer.Challenge.Contains("insufficient_scope", StringComparison.Ordinal) =>
                    (false, $"the token of {tokens.Account} lacks the gmail.send scope ({error}). Authorize the account again: for the Gmail API it asks for {Relay.Accounts.Account.GmailSendScope}."),
                _ when answer.Success => (false, $"{settings.BaseUrl} took an empty send ({(int)answer.Status}); it does not behave as the Gmail API. Check Relay:GmailApi:BaseUrl."),
                _ => (false, $"{settings.BaseUrl} answered {error}. Check Relay:GmailApi:BaseUrl and the network (outbound HTTPS, port 443)."),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"{settings.BaseUrl} did not answer within {settings.Timeout} (Relay:GmailApi:Timeout). Check the network (outbound HTTPS, port 443) and any proxy.");
        }
        catch (Exception ex) when (ex is AuthorizationRequiredException or TokenRefreshException)
        {
            return (false, ClientText.Clean(ex.Message));
        }
        catch (HttpRequestException ex)
        {
            return (false, $"{settings.BaseUrl} cannot be reached ({ClientText.Clean(ex.Message)}). Check Relay:GmailApi:BaseUrl and the network (outbound HTTPS, port 443).");
        }
    }

    private async Task<Answer> UploadAsync(string token, Func<Stream, CancellationToken, Task> writeMessage, long size, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var client = httpClients.CreateClient(HttpClientName);
        var endpoint = settings.BaseUrl.TrimEnd('/') + "/upload/gmail/v1/users/me/messages/send";
        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        if (size <= settings.ResumableThreshold)
        {
            using var simple = new HttpRequestMessage(HttpMethod.Post, endpoint + "?uploadType=media") { Content = MessageContent.Raw(writeMessage, size) };
            simple.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await ExchangeAsync(client, simple, linked.Token);
        }

        using var start = new HttpRequestMessage(HttpMethod.Post, endpoint + "?uploadType=resumable") { Content = new ByteArrayContent([]) };
        start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        start.Headers.Add("X-Upload-Content-Type", "message/rfc822");
        start.Headers.Add("X-Upload-Content-Length", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var started = await ExchangeAsync(client, start, linked.Token);
        if (!started.Success)
        {
            return started;
        }

        if (started.Location is not { IsAbsoluteUri: true } session || (session.Scheme != Uri.UriSchemeHttps && session.Scheme != new Uri(settings.BaseUrl).Scheme))
        {
            throw new HttpRequestException($"The Gmail API opened an upload session without a usable session URI (status {(int)started.Status}).");
        }

        // Google's client libraries send the token with the PUT too; it goes only to the API's own origin (or another
        // Google API host over https, should Google place the session there), never to any other host.
        using var upload = new HttpRequestMessage(HttpMethod.Put, session) { Content = MessageContent.Raw(writeMessage, size) };
        if (Uri.Compare(session, new Uri(settings.BaseUrl), UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0
            || (session.Scheme == Uri.UriSchemeHttps && session.Host.EndsWith(".googleapis.com", StringComparison.OrdinalIgnoreCase)))
        {
            upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var uploaded = await ExchangeAsync(client, upload, linked.Token);
        return uploaded with { SessionLost = uploaded.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone };
    }

    private async Task<Answer> ExchangeAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await HttpAnswer.ReadBoundedAsync(response.Content, cancellationToken);
        var retryAfter = HttpAnswer.RetryAfter(response.Headers, time);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        return new Answer(response.StatusCode, body, retryAfter, challenge, response.Headers.Location);
    }

    private static GmailApiSendResult Map(Answer answer, string account)
    {
        var status = (int)answer.Status;
        if (answer.Success)
        {
            return Delivered(answer.Body);
        }

        var error = GoogleApiError.Parse(status, answer.Body);
        var retry = answer.RetryAfter is { } wait ? $" Google asks to retry after {wait}." : string.Empty;
        if (answer.SessionLost)
        {
            return new(DeliveryOutcome.Deferred($"The Gmail API no longer knows the upload session ({Sentence(error)[..^1]}); the next attempt uploads the message again."));
        }

        return status switch
        {
            401 => new(DeliveryOutcome.NeedsAuthorization(
                $"The Gmail API refused the access token of {account} again after a refresh ({error}).")),
            403 when error.HasReason("insufficientPermissions") || answer.Challenge.Contains("insufficient_scope", StringComparison.Ordinal) => new(DeliveryOutcome.NeedsAuthorization(
                $"The token of {account} lacks the gmail.send scope ({error}): the account was authorized for another transport or scope. " +
                "Authorize it again for the Gmail API, which asks for https://www.googleapis.com/auth/gmail.send.")),
            403 when error.HasReason("dailyLimitExceeded") || error.HasReason("userRateLimitExceeded") || error.HasReason("rateLimitExceeded") =>
                new(DeliveryOutcome.QuotaReached($"Gmail API {Sentence(error)}{retry}"), RetryAfter: answer.RetryAfter),
            429 => new(DeliveryOutcome.QuotaReached($"Gmail API {Sentence(error)}{retry}"), RetryAfter: answer.RetryAfter),
            408 => new(DeliveryOutcome.Deferred($"Gmail API {Sentence(error)}")),
            >= 400 and < 500 => new(DeliveryOutcome.Rejected($"Gmail API {Sentence(error)}")),
            >= 500 => new(DeliveryOutcome.Deferred($"Gmail API {Sentence(error)}{retry}"), RetryAfter: answer.RetryAfter),
            _ => new(DeliveryOutcome.Deferred($"Gmail API answered {status}, which is neither success nor an error.")),
        };
    }

    private static string Sentence(GoogleApiError error) => error.ToString() is var text && text.EndsWith('.') ? text : text + ".";

    private static GmailApiSendResult Delivered(string body)
    {
        string? id = null;
        string? thread = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            id = document.RootElement.TryGetProperty("id", out var value) ? value.GetString() : null;
            thread = document.RootElement.TryGetProperty("threadId", out var threadValue) ? threadValue.GetString() : null;
        }
        catch (JsonException)
        {
        }

        // A 200 says Gmail took the message, not that it went out: Google reports sending limits minutes later.
        return id is null
            ? new(DeliveryOutcome.Delivered("Gmail API took the message (no message id in its answer)", []))
            : new(DeliveryOutcome.Delivered($"Gmail API took the message: id {id}, thread {thread}", []), id);
    }

    private sealed record Answer(HttpStatusCode Status, string Body, TimeSpan? RetryAfter, string Challenge, Uri? Location)
    {
        /// <summary>The PUT to a resumable session found no session (expired, or lost by Google): not the message's fault.</summary>
        public bool SessionLost { get; init; }

        public bool Success => (int)Status is >= 200 and < 300;
    }
}
