using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Relay.Accounts;

namespace Relay.Inbound;

/// <summary>
/// What SmtpServer asks at MAIL FROM and RCPT TO: refuse new transactions while draining or when the memory for
/// messages being received is spent (452 4.3.1, see <see cref="MessageMemory"/>), senders outside
/// <see cref="InboundOptions.AllowedSenders"/> (550 5.7.1), and recipients past <see cref="InboundOptions.MaxRecipients"/>
/// (452 4.5.3, so the client sends the rest in a new transaction), and mail no account takes (550 5.7.1, see <see cref="AccountRouter"/>).
/// </summary>
internal sealed class InboundPolicy(InboundDrain drain, AccountSet accounts, IOptions<InboundOptions> options, ILogger<InboundPolicy> logger) : IMailboxFilter
{
    private const string RecipientCountKey = "Relay:RecipientCount";
    private const string RecipientCapKey = "Relay:RecipientCap";
    private const string RouteKey = "Relay:Route";
    private const string SenderKey = "Relay:Sender";
    private const string RecipientsKey = "Relay:Recipients";

    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        drain.ThrowIfDraining();
        (context.Pipe as SocketPipe)?.Memory.Release(); // a new MAIL FROM ends the previous transaction, refused or not
        var path = context.CommandPath() ?? new SmtpPath(from.AsAddress(), false, null);
        if (path.Refusal is { } refusal)
        {
            InboundLog.Refused(logger, context.ClientAddress(), $"MAIL FROM: {path.Error}");
            throw new SmtpResponseException(refusal);
        }

        context.Properties[RecipientCountKey] = 0;
        context.Properties.Remove(RecipientCapKey);
        context.Properties.Remove(RouteKey);
        context.Properties[SenderKey] = path;
        context.Properties[RecipientsKey] = new List<string>();
        if (!IsAllowedSender(path.Address))
        {
            InboundLog.Refused(logger, context.ClientAddress(), $"sender {path.Address ?? "<>"} is not in Relay:Inbound:AllowedSenders");
            throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.7.1 This sender is not allowed to use this relay"));
        }

        // Last: only a transaction that may go on holds memory.
        if (context.Pipe is SocketPipe pipe && !pipe.Memory.TryStart(size > 0 ? size : MessageMemory.FirstHold))
        {
            InboundLog.Refused(logger, context.ClientAddress(), $"MAIL FROM: messages being received already hold the memory they may use (Relay:Inbound:MessageMemory, {options.Value.MessageMemory} bytes)");
            throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)452, "4.3.1 Insufficient system resources: too many messages arriving at once, try again in a moment"));
        }

        return Task.FromResult(true);
    }

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        var count = context.Properties.TryGetValue(RecipientCountKey, out var value) ? (int)value : 0;
        var cap = context.Properties.TryGetValue(RecipientCapKey, out var known) ? (int)known : options.Value.MaxRecipients;
        if (count >= cap)
        {
            throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)452, $"4.5.3 Too many recipients: at most {cap} per message, send the rest in another one"));
        }

        var smtpUtf8 = context.Properties.TryGetValue(SenderKey, out var sender) && ((SmtpPath)sender).SmtpUtf8;
        var path = context.CommandPath(smtpUtf8) ?? new SmtpPath(to.AsAddress(), smtpUtf8, null);
        if (path.Address is null)
        {
            InboundLog.Refused(logger, context.ClientAddress(), $"RCPT TO: {path.Error ?? "the null address"}");
            throw new SmtpResponseException(path.Refusal ?? new SmtpResponse((SmtpReplyCode)553, "5.1.3 A recipient address is needed"));
        }

        // Without a route now (AUTH user, envelope sender, client network, default), only the header From could give one,
        // at the end of DATA: refuse here unless some account routes by sender.
        // Once per transaction: the route does not depend on the recipient.
        // The route known now also gives the account's own limit of recipients per message (Exchange Online: 500).
        if (count == 0 && !accounts.RoutesBySender)
        {
            if (Route(context, sender is SmtpPath mail ? mail.Address : null, null) is not { } account)
            {
                InboundLog.Refused(logger, context.ClientAddress(), "no account of Relay:Accounts takes mail from this client, login or sender, and there is no Relay:Routing:Default");
                throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.MailboxUnavailable, NoAccountReply));
            }

            context.Properties[RecipientCapKey] = Math.Min(options.Value.MaxRecipients, account.Quota.RecipientsPerMessage ?? int.MaxValue);
            context.Properties[RouteKey] = account;
        }

        context.Properties[RecipientCountKey] = count + 1;
        if (context.Properties.TryGetValue(RecipientsKey, out var recipients))
        {
            ((List<string>)recipients).Add(path.Address);
        }

        return Task.FromResult(true);
    }

    /// <summary>The transaction's envelope as the client wrote it (SmtpServer's own copy loses quotes and UTF-8 domains); null when unknown.</summary>
    public static (string? Sender, IReadOnlyList<string> Recipients)? Envelope(ISessionContext context, int recipientCount) =>
        context.Properties.TryGetValue(SenderKey, out var sender) && context.Properties.TryGetValue(RecipientsKey, out var recipients) &&
        ((List<string>)recipients).Count == recipientCount
            ? (((SmtpPath)sender).Address, (List<string>)recipients)
            : null;

    public const string NoAccountReply = "5.7.1 No account of this relay sends mail from this client or sender; ask its administrator to route it (Relay:Accounts, Relay:Routing:Default)";

    /// <summary>
    /// The account a message of this session goes out as; null when none takes it. Found at the first RCPT when no
    /// account routes by sender (nothing known only at the end of DATA can change it then), else here.
    /// </summary>
    public RelayAccount? Route(ISessionContext context, string? mailFrom, string? headerFrom)
    {
        if (context.Properties.TryGetValue(RouteKey, out var routed))
        {
            return (RelayAccount)routed;
        }

        var settings = accounts.Router.Route(context.Authentication.IsAuthenticated ? context.Authentication.User : null, mailFrom, headerFrom, context.ClientIp());
        return settings is null ? null : accounts.Find(settings.Name);
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
