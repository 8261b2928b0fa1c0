using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Relay.Inbound;

/// <summary>
/// What SmtpServer asks at MAIL FROM and RCPT TO: refuse new transactions while draining, senders outside
/// <see cref="InboundOptions.AllowedSenders"/> (550 5.7.1), and recipients past <see cref="InboundOptions.MaxRecipients"/>
/// (452 4.5.3, so the client sends the rest in a new transaction).
/// </summary>
internal sealed class InboundPolicy(InboundDrain drain, IOptions<InboundOptions> options, ILogger<InboundPolicy> logger) : IMailboxFilter
{
    private const string RecipientCountKey = "Relay:RecipientCount";

    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        drain.ThrowIfDraining();
        context.Properties[RecipientCountKey] = 0;
        if (!IsAllowedSender(from.AsAddress()))
        {
            InboundLog.Refused(logger, context.ClientAddress(), $"sender {from.AsAddress() ?? "<>"} is not in Relay:Inbound:AllowedSenders");
            throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.7.1 This sender is not allowed to use this relay"));
        }

        return Task.FromResult(true);
    }

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        var count = context.Properties.TryGetValue(RecipientCountKey, out var value) ? (int)value : 0;
        if (count >= options.Value.MaxRecipients)
        {
            throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)452, $"4.5.3 Too many recipients: at most {options.Value.MaxRecipients} per message, send the rest in another one"));
        }

        context.Properties[RecipientCountKey] = count + 1;
        return Task.FromResult(true);
    }

    public bool RestrictsSenders => options.Value.AllowedSenders.Count > 0;

    /// <summary>Any sender when the list is empty; otherwise an exact address or an <c>@domain</c> match. The null sender is never on a list.</summary>
    public bool IsAllowedSender(string? address)
    {
        var allowed = options.Value.AllowedSenders;
        if (allowed.Count == 0)
        {
            return true;
        }

        return address is not null && allowed.Any(pattern => pattern.StartsWith('@')
            ? address.EndsWith(pattern, StringComparison.OrdinalIgnoreCase)
            : string.Equals(address, pattern, StringComparison.OrdinalIgnoreCase));
    }
}
