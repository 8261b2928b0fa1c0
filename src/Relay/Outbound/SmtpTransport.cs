using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// An account's messages over SMTP (smtp.gmail.com or smtp.office365.com, STARTTLS, XOAUTH2 with <paramref name="tokens"/>)
/// on one reused <see cref="GmailConnection"/>: reads the message from the spool, rewrites it as the sender and sends
/// it to the envelope recipients.
/// </summary>
internal sealed class SmtpTransport(
    RelayAccount account, IAccessTokenSource tokens, FileSpool spool, IOptions<RewriteOptions> rewrite, IServiceProvider services, ILogger<SmtpTransport> logger) : IMessageTransport
{
    private readonly GmailConnection _connection = ActivatorUtilities.CreateInstance<GmailConnection>(services, tokens, account.Settings.Provider);

    public async Task<DeliveryOutcome> SendAsync(string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var (reply, refused, rewritten, changes, messageId) = await _connection.SendAsync(
                spool.OpenMessage(entry), message => FromRewriter.Rewrite(message, sender, account.Settings.Aliases, rewrite.Value.AddReplyTo), entry.Recipients, cancellationToken);
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
            return DeliveryClassifier.Classify(ex, account.Settings.Provider);
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
