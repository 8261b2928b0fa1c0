using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Relay.OAuth;

namespace Relay.Outbound.Graph;

/// <summary>
/// Sends a finished MIME message through Microsoft Graph's <c>POST /v1.0/users/{mailbox}/sendMail</c> (<c>text/plain</c>,
/// the base64 of the message), with at most <see cref="GraphLimits.MaxConcurrentRequests"/> requests in flight per
/// mailbox, whatever the number of delivery loops. Answers become outcomes: 202 accepted (not delivered: Graph reports
/// nothing more); 400 rejected with Graph's code; 401 refresh once and retry, then needs authorization; 403
/// ErrorSendAsDenied rejected with the Send As hint, other 403s (Mail.Send missing, no admin consent, an application
/// access policy) hold the account with the fix; 413 rejected as too big; 429 holds the account until Retry-After (the
/// mailbox is throttled, whichever message is sent); 503 and 504 deferred no sooner than Retry-After; other 5xx,
/// network failures and timeouts deferred. The token goes only in the Authorization header.
/// </summary>
internal sealed class GraphSender(
    IHttpClientFactory httpClients, IOptions<MicrosoftOptions> microsoft, IOptions<OutboundOptions> outbound, TimeProvider time, ILogger<GraphSender> logger)
{
    public const string HttpClientName = "Graph";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _mailboxes = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="tokens">The account's token source (tokens for https://graph.microsoft.com).</param>
    /// <param name="mailbox">The mailbox that sends (its UPN or address): the <c>{id}</c> of <c>/users/{id}/sendMail</c>.</param>
    /// <param name="writeMessage">Writes the MIME bytes; called once per request (again after a refused token).</param>
    /// <param name="size">The number of bytes <paramref name="writeMessage"/> writes.</param>
    /// <param name="appOnly">Whether the account sends with the app's own credentials (the fix for a 403 differs).</param>
    public async Task<GraphSendResult> SendAsync(
        IAccessTokenSource tokens, string mailbox, Func<Stream, CancellationToken, Task> writeMessage, long size, bool appOnly, CancellationToken cancellationToken)
    {
        if (MessageContent.Base64Length(size) > GraphLimits.MaxRequestBytes)
        {
            return new(DeliveryOutcome.Rejected(TooBig(size)));
        }

        var timeout = outbound.Value.Timeout;
        try
        {
            var token = await tokens.GetAccessTokenAsync(cancellationToken);
            var answer = await PostAsync(token, mailbox, writeMessage, size, cancellationToken);
            if (answer.Status == HttpStatusCode.Unauthorized)
            {
                GraphLog.TokenRejected(logger, mailbox, (int)answer.Status);
                token = await tokens.RefreshRejectedAsync(token, cancellationToken);
                answer = await PostAsync(token, mailbox, writeMessage, size, cancellationToken);
            }

            var result = Map(answer, mailbox, appOnly);
            if (result.AcceptedStatus is null)
            {
                GraphLog.Refused(logger, mailbox, result.Outcome.Reply);
            }

            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return new(DeliveryOutcome.Deferred($"Microsoft Graph did not answer within {timeout} (Relay:Outbound:Timeout)."));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or AuthorizationRequiredException or TokenRefreshException)
        {
            return new(DeliveryClassifier.Classify(ex));
        }
    }

    /// <summary>The 552 reason for a message of <paramref name="size"/> MIME bytes that one Graph request cannot carry.</summary>
    public static string TooBig(long size) =>
        $"552 5.3.4 The message is {size} bytes; Microsoft Graph takes at most {GraphLimits.MaxMessageBytes} bytes of message " +
        "(a 4 MB request, base64). Send it smaller, or let the account send large messages by SMTP (LargeMessagesBySmtp).";

    private async Task<Answer> PostAsync(string token, string mailbox, Func<Stream, CancellationToken, Task> writeMessage, long size, CancellationToken cancellationToken)
    {
        var endpoint = $"{microsoft.Value.GraphUrl.TrimEnd('/')}/v1.0/users/{Uri.EscapeDataString(mailbox)}/sendMail";
        var slot = _mailboxes.GetOrAdd(mailbox, _ => new SemaphoreSlim(GraphLimits.MaxConcurrentRequests));
        await slot.WaitAsync(cancellationToken);
        try
        {
            // The timeout starts once the request may go: waiting for a slot is not the upstream being slow.
            using var timeout = new CancellationTokenSource(outbound.Value.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = MessageContent.Base64(writeMessage, size) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var body = await HttpAnswer.ReadBoundedAsync(response.Content, linked.Token);
            return new Answer(response.StatusCode, body, HttpAnswer.RetryAfter(response.Headers, time));
        }
        finally
        {
            slot.Release();
        }
    }

    private static GraphSendResult Map(Answer answer, string mailbox, bool appOnly)
    {
        var status = (int)answer.Status;
        if (status is >= 200 and < 300)
        {
            return new(DeliveryOutcome.Delivered($"accepted by Microsoft Graph ({status}); Graph reports no delivery", []), status);
        }

        var error = GraphError.Parse(status, answer.Body);
        var said = error.ToString().TrimEnd('.');
        var retry = answer.RetryAfter is { } after ? $" Graph asked to wait {after.TotalSeconds:0} s (Retry-After)." : "";
        return status switch
        {
            400 => new(DeliveryOutcome.Rejected($"Microsoft Graph refused the message: {said}.")),
            401 => new(DeliveryOutcome.NeedsAuthorization(
                $"Microsoft Graph refused the access token of {mailbox} again after a refresh ({said}). Authorize the account again; " +
                (appOnly ? "for app-only sending, check the client secret or certificate and the application permission Mail.Send." : "the authorization must include Mail.Send."))),
            403 when error.Is("ErrorSendAsDenied") => new(DeliveryOutcome.Rejected(
                $"Microsoft Graph refused the sender ({said}): {Office365Replies.SendAsHint}.")),
            403 => AccessDenied(error, mailbox, appOnly),
            404 => new(DeliveryOutcome.NeedsAuthorization(
                $"Microsoft Graph does not know the mailbox {mailbox} ({said}). Check the account's Address: it must be an Exchange Online mailbox of the tenant.")),
            413 => new(DeliveryOutcome.Rejected($"552 5.3.4 Microsoft Graph refused the message as too big ({said}).")),
            // The mailbox is throttled, not the message: hold the account (every loop) until Retry-After, as for the Gmail API.
            429 when answer.RetryAfter is not null => new(DeliveryOutcome.QuotaReached($"Microsoft Graph is throttling {mailbox} ({said}).{retry}") with { RetryAfter = answer.RetryAfter }),
            429 => new(DeliveryOutcome.Deferred($"Microsoft Graph is throttling {mailbox} ({said}).")),
            503 or 504 => new(DeliveryOutcome.Deferred($"Microsoft Graph is unavailable ({said}).{retry}") with { RetryAfter = answer.RetryAfter }),
            408 => new(DeliveryOutcome.Deferred($"Microsoft Graph timed out the request ({said}).")),
            >= 400 and < 500 => new(DeliveryOutcome.Rejected($"Microsoft Graph refused the message: {said}.")),
            >= 500 => new(DeliveryOutcome.Deferred($"Microsoft Graph failed ({said}).{retry}") with { RetryAfter = answer.RetryAfter }),
            _ => new(DeliveryOutcome.Deferred($"Microsoft Graph answered {status}, which is neither success nor an error.")),
        };
    }

    /// <summary>A 403 other than Send As: the app may not send as this mailbox. Holds the account with the fix for its kind of sign-in.</summary>
    private static GraphSendResult AccessDenied(GraphError error, string mailbox, bool appOnly)
    {
        var fix = appOnly
            ? "give the app registration the application permission Mail.Send (Microsoft Graph) and grant admin consent; if an application access policy " +
              $"restricts the app, add {mailbox} to its group (check with Test-ApplicationAccessPolicy -Identity {mailbox} -AppId <client id>)"
            : "give the app registration the delegated permission Mail.Send (Microsoft Graph), grant admin consent if the tenant requires it, and authorize the account again";
        return new(DeliveryOutcome.NeedsAuthorization($"Microsoft Graph refused to send as {mailbox} ({error.ToString().TrimEnd('.')}). To fix it, {fix}.") with { Remedy = fix });
    }

    private sealed record Answer(HttpStatusCode Status, string Body, TimeSpan? RetryAfter);
}
