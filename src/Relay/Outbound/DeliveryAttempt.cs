using Microsoft.Extensions.Options;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// One attempt at one message: reads it from the spool, rewrites it as <c>sender</c> and sends it on the given
/// connection; what came of it is a <see cref="DeliveryOutcome"/>, never an exception (except cancellation).
/// </summary>
internal sealed class DeliveryAttempt(
    FileSpool spool,
    IOptions<AccountOptions> account,
    IOptions<RewriteOptions> rewrite,
    ILogger<DeliveryAttempt> logger)
{
    public async Task<DeliveryOutcome> RunAsync(GmailConnection connection, string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var (reply, refused, rewritten, changes, messageId) = await connection.SendAsync(
                spool.OpenMessage(entry), message => FromRewriter.Rewrite(message, sender, account.Value.Aliases, rewrite.Value.AddReplyTo), entry.Recipients, cancellationToken);
            if (changes.Count > 0)
            {
                OutboundLog.PartsReencoded(logger, entry.Id, string.Join("; ", changes));
            }

            var fromAction = rewritten.FromRewritten ? $"rewritten from {rewritten.OriginalFrom?.Address}" : "kept";
            OutboundLog.Delivered(logger, entry.Id, messageId, entry.Size, entry.Recipients.Count - refused.Count, sender, fromAction, DeliveryClassifier.OneLine(reply));
            return DeliveryOutcome.Delivered(reply, refused);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return DeliveryClassifier.Classify(ex);
        }
    }
}
