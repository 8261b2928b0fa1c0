using MimeKit;

namespace Relay.Rewrite;

/// <summary>What the rewrite did, and the envelope sender to use upstream.</summary>
internal sealed record RewriteResult(MailboxAddress EnvelopeSender, bool FromRewritten, MailboxAddress? OriginalFrom);

/// <summary>
/// Makes a message acceptable to Gmail without touching anything else: header From becomes the account (keeping
/// the display name) unless it already is the account or a verified alias, the original From goes to Reply-To when
/// there is none, Sender is made consistent, and Bcc headers are removed. Existing headers are changed in place (their
/// values set, never the header objects replaced), so every other header and the body are written out byte for byte
/// as they were received. No I/O.
/// </summary>
internal static class FromRewriter
{
    public static RewriteResult Rewrite(MimeMessage message, string account, IReadOnlyCollection<string> aliases, bool addReplyTo)
    {
        var headers = message.Headers;
        var accountMailbox = new MailboxAddress(string.Empty, account);
        headers.RemoveAll(HeaderId.Bcc);
        headers.RemoveAll(HeaderId.ResentBcc);

        var fromIndex = headers.IndexOf(HeaderId.From);
        var originalFrom = message.From.Mailboxes.FirstOrDefault();
        var fromIsOurs = message.From.Count == 1 && originalFrom is not null && IsOurs(originalFrom.Address, account, aliases);
        if (fromIndex < 0)
        {
            headers.Add(new Header(HeaderId.From, accountMailbox.ToString()));
        }
        else if (!fromIsOurs)
        {
            // Setting the value keeps the header where it was; replacing the Header object would make MimeKit
            // move the Content-* headers when it writes the message.
            headers[fromIndex].Value = new MailboxAddress(originalFrom?.Name ?? string.Empty, account).ToString();
            if (addReplyTo && originalFrom is not null && !headers.Contains(HeaderId.ReplyTo))
            {
                // Appended, not inserted next to From: MimeKit interleaves the message's headers with the body's
                // Content-* headers by their original offsets, and a new header in the middle would reorder them.
                headers.Add(new Header(HeaderId.ReplyTo, originalFrom.ToString()));
            }
        }

        var senderIndex = headers.IndexOf(HeaderId.Sender);
        if (senderIndex >= 0 && !(message.Sender is { } sender && Same(sender.Address, account)))
        {
            headers[senderIndex].Value = accountMailbox.ToString();
        }

        return new RewriteResult(accountMailbox, fromIndex >= 0 && !fromIsOurs, fromIsOurs ? null : originalFrom);
    }

    private static bool IsOurs(string address, string account, IReadOnlyCollection<string> aliases) =>
        Same(address, account) || aliases.Any(alias => Same(address, alias));

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
