using System.Buffers;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Relay.Accounts;
using Relay.Outbound;
using Relay.Outbound.Graph;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Inbound;

/// <summary>
/// Receives each message and answers 250 only once it is durably in the spool. It never throws: SmtpServer would
/// then send no reply at all and leave the client hanging; a failure to store returns 451 so the client keeps the message.
/// </summary>
internal sealed class SpoolingMessageStore(
    FileSpool spool, InboundPolicy policy, InboundCounters counters, IOptions<RewriteOptions> rewrite, TimeProvider time, ILogger<SpoolingMessageStore> logger) : MessageStore
{
    public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        // Every step in one try: SmtpServer sends no reply at all for an exception, and the client would hang.
        try
        {
            return await SaveCoreAsync(context, transaction, buffer);
        }
        catch (Exception ex)
        {
            InboundLog.StoreFailed(logger, ex, context.ClientAddress());
            return FailureReply(ex);
        }
    }

    private async Task<SmtpResponse> SaveCoreAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer)
    {
        var client = context.ClientAddress();
        buffer = BareLineFeedDots.Unstuff(buffer);
        var headers = HeaderCheck.Read(buffer);
        if (headers.Problem is { } problem)
        {
            InboundLog.Refused(logger, client, problem);
            return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, $"5.6.0 {problem}; nothing was stored");
        }

        if (policy.RestrictsSenders && !headers.Senders.All(policy.IsAllowedSender))
        {
            InboundLog.Refused(logger, client, "header From or Sender is not in Relay:Inbound:AllowedSenders");
            return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.7.1 The From of this message is not allowed to use this relay");
        }

        var (mailFrom, recipients) = InboundPolicy.Envelope(context, transaction.To.Count)
            ?? (transaction.From?.AsAddress(), transaction.To.Select(mailbox => mailbox.AsAddress()).ToList());
        if (policy.Route(context, mailFrom, headers.From) is not { } account)
        {
            InboundLog.Refused(logger, client, "no account of Relay:Accounts takes this message (client, login, envelope or header sender), and there is no Relay:Routing:Default");
            return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, InboundPolicy.NoAccountReply);
        }

        if (account.Settings.SendsToHeaderRecipients && HeaderRefusal(recipients, headers, HeaderTransport.For(account)) is { } refusal)
        {
            InboundLog.Refused(logger, client, refusal);
            return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, $"5.7.1 {refusal}; nothing was stored");
        }

        if (account.Settings is { Transport: AccountTransport.Graph, LargeMessagesBySmtp: false }
            && GraphSizeRefusal(account.Settings, await GraphSizeAsync(account, buffer, recipients)) is { } tooBig)
        {
            InboundLog.Refused(logger, client, tooBig);
            return new SmtpResponse((SmtpReplyCode)552, $"5.3.4 {tooBig}; nothing was stored");
        }

        var envelope = new SpoolEntry
        {
            Id = string.Empty,
            MailFrom = mailFrom,
            Recipients = recipients,
            ClientAddress = client,
            ReceivedAt = time.GetUtcNow(),
            Account = account.Name,
        };

        // SmtpServer hands the message without the CRLF that ends its last line (it counts it as part of the
        // "CRLF . CRLF" terminator): put it back, so the spool holds exactly what the client sent.
        // The write finishes even if the session is being torn down: a half-written entry helps no one.
        var entry = await spool.EnqueueAsync(envelope, buffer, LastLineBreak(buffer), CancellationToken.None);
        InboundLog.Accepted(logger, entry.Id, entry.Size, entry.Recipients.Count, client, entry.MailFrom ?? "<>");
        counters.Accepted();
        return new SmtpResponse(SmtpReplyCode.Ok, $"2.0.0 Ok: queued as {entry.Id}");
    }

    /// <summary>
    /// For an account whose transport sends to the header recipients: why it cannot honour this envelope (a header
    /// recipient the envelope does not name, too many recipients), or null.
    /// </summary>
    private static string? HeaderRefusal(IReadOnlyList<string> recipients, HeaderCheck headers, HeaderTransport transport) =>
        headers.Headers is { } list
            ? HeaderAddressing.Decide(recipients, list, transport).Refusal
            : $"{transport.Description}, and this message's header block cannot be read";

    /// <summary>
    /// For an account that sends through Microsoft Graph without <see cref="Account.LargeMessagesBySmtp"/>: why a message
    /// of <paramref name="size"/> bytes cannot go (Graph's 4 MB request holds 3,145,728 bytes of message), or null.
    /// </summary>
    internal static string? GraphSizeRefusal(Account account, long size) =>
        account.Transport == AccountTransport.Graph && !account.LargeMessagesBySmtp && size > GraphLimits.MaxMessageBytes
            ? $"Message too big for this account: it is {size} bytes, and the account sends through Microsoft Graph, which takes at most " +
              $"{GraphLimits.MaxMessageBytes} bytes of message (a 4 MB request); send it smaller, or have the relay's account send large messages by SMTP (LargeMessagesBySmtp)"
            : null;

    /// <summary>
    /// What Graph's request limit counts for this message: its size as it will be sent, From rewritten, Reply-To and
    /// Bcc added, long lines re-encoded (which a size near the limit can cross). The mailbox is the authorized one, else
    /// the configured Address, else as long as an address can be. The raw size when it is over the limit already, or
    /// when the message cannot be read that way (delivery then says why).
    /// </summary>
    private async Task<long> GraphSizeAsync(RelayAccount account, ReadOnlySequence<byte> buffer, IReadOnlyList<string> recipients)
    {
        var raw = buffer.Length + LastLineBreak(buffer).Length;
        var added = recipients.Sum(recipient => recipient.Length + 4) + HeadersAdded;
        if (raw > GraphLimits.MaxMessageBytes || raw * MaxGrowth + added <= GraphLimits.MaxMessageBytes)
        {
            return raw; // over already, or under whatever the preparation adds: no need to prepare it here
        }

        var lines = new LineScan();
        foreach (var segment in buffer)
        {
            lines.Add(segment.Span);
        }

        lines.End();
        if (lines.Longest <= UpstreamMessage.MaxLineLength && raw + added <= GraphLimits.MaxMessageBytes)
        {
            return raw; // no line to re-encode, so only the headers grow: under the limit still
        }

        var bytes = new byte[raw];
        buffer.CopyTo(bytes);
        LastLineBreak(buffer).Span.CopyTo(bytes.AsSpan((int)buffer.Length));
        var sender = account.Tokens.Account ?? account.Settings.Address ?? LongestAddress;
        try
        {
            using var message = HeaderRecipientsMessage.Prepare(new MemoryStream(bytes, writable: false), account, sender, rewrite.Value.AddReplyTo, recipients);
            return await MessageLength.MeasureAsync(message.WriteAsync, CancellationToken.None);
        }
        catch (Exception)
        {
            return raw; // SaveAsync never throws; a message MimeKit cannot take this way is refused at delivery with the reason
        }
    }

    /// <summary>
    /// How much a message can grow as it is made ready: a part re-encoded for a line over 998 octets grows at most about
    /// threefold (quoted-printable of 8-bit bytes, with its soft line breaks); a rewritten From and a Reply-To add two addresses.
    /// </summary>
    private const int MaxGrowth = 4;
    private const int HeadersAdded = 64 * 1024;

    /// <summary>An address of the greatest length SMTP allows (RFC 5321 §4.5.3.1: 64 + 1 + 189 octets of path).</summary>
    private static readonly string LongestAddress = new string('x', 64) + "@" + new string('x', 185) + ".com";

    /// <summary>The reply when the spool cannot take a message: 452 when the disk is full, 451 otherwise; either way the client keeps it.</summary>
    internal static SmtpResponse FailureReply(Exception exception) =>
        exception is IOException { HResult: DiskFull or QuotaExceeded }
            ? new SmtpResponse((SmtpReplyCode)452, "4.3.1 Insufficient system storage: the relay's spool is full, try again later")
            : new SmtpResponse((SmtpReplyCode)451, "4.3.0 Message not stored: local spool error, try again later");

    // On Unix, .NET's IOException carries the errno as its HResult.
    private const int DiskFull = 28; // ENOSPC
    private const int QuotaExceeded = 122; // EDQUOT

    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    private static ReadOnlyMemory<byte> LastLineBreak(ReadOnlySequence<byte> buffer) => buffer.IsEmpty ? default : CrLf;
}
