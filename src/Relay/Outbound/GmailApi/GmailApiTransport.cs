using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Accounts;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound.GmailApi;

/// <summary>
/// An account's messages through the Gmail API (<see cref="GmailApiSender"/>), with the same byte-exact rules as the
/// SMTP path (<see cref="UpstreamMessage"/>, as to an upstream with 8BITMIME and SMTPUTF8, which Gmail is). The API
/// sends to the header recipients: <see cref="HeaderAddressing"/> puts the envelope-only ones in Bcc, and a message
/// whose headers name someone the envelope does not is refused (the end of DATA refused it already; this holds for an
/// entry queued before its account changed transport).
/// </summary>
internal sealed class GmailApiTransport(
    RelayAccount account, FileSpool spool, GmailApiSender api, IOptions<RewriteOptions> rewrite, ILogger<GmailApiTransport> logger) : IMessageTransport
{
    private static readonly UpstreamCapabilities Gmail = new(EightBitMime: true, SmtpUtf8: true);

    public async Task<DeliveryOutcome> SendAsync(string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            return await SendCoreAsync(sender, entry, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return DeliveryClassifier.Classify(ex);
        }
    }

    private async Task<DeliveryOutcome> SendCoreAsync(string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        using (var upstream = UpstreamMessage.Load(spool.OpenMessage(entry), Gmail))
        {
            var message = upstream.Message;
            var rewritten = FromRewriter.Rewrite(message, sender, account.Settings.Aliases, rewrite.Value.AddReplyTo);
            var addressing = HeaderAddressing.Decide(entry.Recipients, message.Headers);
            if (addressing.Refusal is { } refusal)
            {
                return DeliveryOutcome.Rejected($"550 5.7.1 {refusal}");
            }

            // Only the Bcc is added (the rewrite removed the message's own): the other headers stay the objects that were
            // parsed, in place. Clearing and adding copies would lose their places among the body's Content-* headers,
            // and MimeKit would then write a re-encoded message's header block in another order than the SMTP path does.
            if (addressing.Headers!.FirstOrDefault(header => header.Id == HeaderId.Bcc) is { } bcc)
            {
                message.Headers.Add(bcc);
            }

            if (upstream.Changes.Count > 0)
            {
                OutboundLog.PartsReencoded(logger, entry.Id, string.Join("; ", upstream.Changes));
            }

            // CRLF as received and as SMTP carries it: FormatOptions.Default writes the platform's line end (LF on Linux),
            // which would change every header line the rewrite writes out, and mix LF headers with a CRLF body.
            var format = upstream.Format(Gmail, addressesNeedUtf8: false);
            format.NewLineFormat = NewLineFormat.Dos;
            var result = await api.SendAsync(account.Tokens, (stream, token) => message.WriteToAsync(format, stream, token), null, cancellationToken);
            if (result.GmailId is { } id)
            {
                var fromAction = rewritten.FromRewritten ? $"rewritten from {rewritten.OriginalFrom?.Address}" : "kept";
                OutboundLog.Delivered(logger, entry.Id, id, entry.Size, entry.Recipients.Count, sender, fromAction, $"Gmail API: sent as {id}");
            }

            return result.Outcome with { RetryAfter = result.RetryAfter };
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
