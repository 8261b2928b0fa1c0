using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound.GmailApi;

/// <summary>
/// An account's messages through the Gmail API (<see cref="GmailApiSender"/>), made ready by
/// <see cref="HeaderRecipientsMessage"/>: the same byte-exact rules as the SMTP path, the envelope-only recipients in
/// Bcc, and a message whose headers name someone the envelope does not refused.
/// </summary>
internal sealed class GmailApiTransport(
    RelayAccount account, FileSpool spool, GmailApiSender api, IOptions<RewriteOptions> rewrite, ILogger<GmailApiTransport> logger) : IMessageTransport
{
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
        using var message = HeaderRecipientsMessage.Prepare(spool.OpenMessage(entry), account, sender, rewrite.Value.AddReplyTo, entry.Recipients);
        if (message.Refusal is { } refusal)
        {
            return DeliveryOutcome.Rejected($"550 5.7.1 {refusal}");
        }

        if (message.Changes.Count > 0)
        {
            OutboundLog.PartsReencoded(logger, entry.Id, string.Join("; ", message.Changes));
        }

        var result = await api.SendAsync(account.Tokens, message.WriteAsync, null, cancellationToken);
        if (result.GmailId is { } id)
        {
            OutboundLog.Delivered(logger, entry.Id, id, entry.Size, entry.Recipients.Count, sender, message.FromAction, $"Gmail API: sent as {id}");
        }

        return result.Outcome with { RetryAfter = result.RetryAfter };
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
