using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound.Graph;

/// <summary>
/// An account's messages through Microsoft Graph's MIME <c>sendMail</c> (<see cref="GraphSender"/>), made ready by
/// <see cref="HeaderRecipientsMessage"/> as for the Gmail API: the SMTP path's byte rules, the envelope-only recipients
/// in Bcc, and a message whose headers name someone the envelope does not refused. A message over Graph's 4 MB request
/// goes by SMTP to Office 365 with the account's SMTP tokens when the account has <see cref="Account.LargeMessagesBySmtp"/>,
/// and is rejected (552 5.3.4) otherwise.
/// </summary>
internal sealed class GraphTransport(
    RelayAccount account, FileSpool spool, GraphSender graph, IOptions<RewriteOptions> rewrite, IServiceProvider services, ILogger<GraphTransport> logger) : IMessageTransport
{
    private SmtpTransport? _smtp;

    public async Task<DeliveryOutcome> SendAsync(string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            return await SendCoreAsync(sender, entry, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return DeliveryClassifier.Classify(ex, account.Settings.Provider);
        }
    }

    private async Task<DeliveryOutcome> SendCoreAsync(string sender, SpoolEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Size > GraphLimits.MaxMessageBytes)
        {
            return await TooBigForGraphAsync(sender, entry, entry.Size, cancellationToken); // as received already: not worth preparing
        }

        long size;
        using (var message = HeaderRecipientsMessage.Prepare(spool.OpenMessage(entry), account, sender, rewrite.Value.AddReplyTo, entry.Recipients))
        {
            if (message.Refusal is { } refusal)
            {
                return DeliveryOutcome.Rejected($"550 5.7.1 {refusal}");
            }

            size = await MessageLength.MeasureAsync(message.WriteAsync, cancellationToken);

            if (size <= GraphLimits.MaxMessageBytes)
            {
                if (message.Changes.Count > 0)
                {
                    OutboundLog.PartsReencoded(logger, entry.Id, string.Join("; ", message.Changes));
                }

                var result = await graph.SendAsync(account.Tokens, sender, message.WriteAsync, size, account.Settings.AppOnly, cancellationToken);
                if (result.AcceptedStatus is { } status)
                {
                    GraphLog.Accepted(logger, entry.Id, message.Message.MessageId, size, entry.Recipients.Count, sender, message.FromAction, status);
                }

                return result.Outcome;
            }
        }

        return await TooBigForGraphAsync(sender, entry, size, cancellationToken);
    }

    /// <summary>A message of <paramref name="size"/> bytes, over Graph's request: by SMTP when the account may, else rejected.</summary>
    private async Task<DeliveryOutcome> TooBigForGraphAsync(string sender, SpoolEntry entry, long size, CancellationToken cancellationToken)
    {
        if (!account.Settings.LargeMessagesBySmtp || account.SmtpTokens is not { } smtpTokens)
        {
            return DeliveryOutcome.Rejected(GraphSender.TooBig(size));
        }

        // SMTP carries a true envelope: the message goes as the SMTP path sends any (no Bcc added), to the RCPT TO recipients.
        GraphLog.LargeBySmtp(logger, entry.Id, size, GraphLimits.MaxMessageBytes, sender);
        _smtp ??= ActivatorUtilities.CreateInstance<SmtpTransport>(services, account, smtpTokens);
        return await _smtp.SendAsync(sender, entry, cancellationToken);
    }

    public ValueTask DisposeAsync() => _smtp?.DisposeAsync() ?? ValueTask.CompletedTask;
}
