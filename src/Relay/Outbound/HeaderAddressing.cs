using System.Text;
using MimeKit;

namespace Relay.Outbound;

/// <summary>What <see cref="HeaderAddressing.Decide"/> found: a refusal, or the headers to send with the envelope-only recipients in Bcc.</summary>
internal sealed record HeaderAddressingResult(string? Refusal, HeaderList? Headers, IReadOnlyList<string> Hidden)
{
    public static HeaderAddressingResult Refuse(string reason) => new(reason, null, []);
}

/// <summary>A transport that sends to the header recipients, as the refusals name it, and its recipients-per-message limit.</summary>
internal sealed record HeaderTransport(string Description, int MaxRecipients)
{
    /// <summary>Google's limit for one message is 100, the same for the Gmail API as for SMTP.</summary>
    public static readonly HeaderTransport GmailApi = new("this account sends through the Gmail API, which sends to every address in To, Cc and Bcc", 100);

    /// <summary>Exchange Online takes at most 500 recipients per message.</summary>
    public static readonly HeaderTransport Graph = new("this account sends through Microsoft Graph, which sends to every address in To, Cc and Bcc", QuotaOptions.ExchangeRecipientsPerMessage);

    public static HeaderTransport For(Accounts.AccountTransport transport) => transport == Accounts.AccountTransport.Graph ? Graph : GmailApi;

    /// <summary>The account's transport, with the account's own recipients-per-message limit (its Quota) where it is lower than the provider's.</summary>
    public static HeaderTransport For(Accounts.RelayAccount account) => For(account.Settings.Transport) is var transport
        && account.Quota.RecipientsPerMessage is { } own && own < transport.MaxRecipients
            ? transport with { MaxRecipients = own }
            : transport;
}

/// <summary>
/// The envelope rule for transports that send to the header recipients (the Gmail API sends to every address in To, Cc
/// and Bcc, and takes no envelope): every header recipient must be an envelope recipient (otherwise the message is
/// refused, since the transport cannot leave one out), and the envelope recipients the To and Cc do not name go in one
/// Bcc header, which replaces any the message had (Gmail removes Bcc before sending, so they stay hidden). Addresses
/// compare as SMTP does: the local part as written, the domain case-insensitively. Pure: no I/O, no state.
/// </summary>
internal static class HeaderAddressing
{
    /// <param name="transport">The transport (its name in the refusals, its limit); the Gmail API when null.</param>
    public static HeaderAddressingResult Decide(IReadOnlyList<string> envelopeRecipients, HeaderList headers, HeaderTransport? transport = null)
    {
        transport ??= HeaderTransport.GmailApi;
        var maxRecipients = transport.MaxRecipients;
        var described = transport.Description;
        var envelope = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var recipient in envelopeRecipients)
        {
            envelope.TryAdd(Key(recipient), recipient);
        }

        if (envelope.Count > maxRecipients)
        {
            return HeaderAddressingResult.Refuse($"{described}, at most {maxRecipients} per message; this message has {envelope.Count} recipients. Send it in several messages.");
        }

        var visible = new HashSet<string>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            if (header.Id is not (HeaderId.To or HeaderId.Cc or HeaderId.Bcc))
            {
                continue;
            }

            if (!InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list))
            {
                return HeaderAddressingResult.Refuse($"{described}; the {header.Field} header cannot be read as a list of addresses. Fix the {header.Field} header the application writes.");
            }

            foreach (var mailbox in list.Mailboxes)
            {
                var key = Key(mailbox.Address);
                if (!envelope.ContainsKey(key))
                {
                    return HeaderAddressingResult.Refuse($"{described}; {mailbox.Address} is in the {header.Field} header but not among the RCPT TO recipients.");
                }

                if (header.Id != HeaderId.Bcc)
                {
                    visible.Add(key);
                }
            }
        }

        var hidden = envelope.Where(pair => !visible.Contains(pair.Key)).Select(pair => pair.Value).ToList();
        try
        {
            return new HeaderAddressingResult(null, WithBcc(headers, hidden), hidden);
        }
        catch (ParseException ex)
        {
            return HeaderAddressingResult.Refuse($"{described}; a RCPT TO recipient cannot be written in a Bcc header ({ex.Message}).");
        }
    }

    /// <summary>A copy of <paramref name="headers"/> whose Bcc holds exactly <paramref name="hidden"/> (none when empty), where the first Bcc was, else last.</summary>
    private static HeaderList WithBcc(HeaderList headers, IReadOnlyList<string> hidden)
    {
        var result = new HeaderList();
        var placed = hidden.Count == 0;
        foreach (var header in headers)
        {
            if (header.Id != HeaderId.Bcc)
            {
                result.Add(header.Clone());
            }
            else if (!placed)
            {
                result.Add(Bcc(hidden));
                placed = true;
            }
        }

        if (!placed)
        {
            result.Add(Bcc(hidden));
        }

        return result;
    }

    private static Header Bcc(IReadOnlyList<string> addresses)
    {
        var list = new InternetAddressList(addresses.Select(address => new MailboxAddress(string.Empty, address)));
        var header = new Header(HeaderId.Bcc, string.Empty);

        // As RFC 6532 allows (the Gmail API takes UTF-8 headers): MimeKit's default formatting would write an SMTPUTF8
        // local part such as jöe@ as j?e@, a recipient that does not exist. Folded lines end in CRLF, as the message's.
        header.SetValue(Utf8Headers, Encoding.UTF8, list.ToString());
        return header;
    }

    private static readonly FormatOptions Utf8Headers = new() { International = true, NewLineFormat = NewLineFormat.Dos };

    /// <summary>The local part as written, the domain in lower case (RFC 5321 §2.4: only the receiving host may read the local part case-insensitively).</summary>
    public static string Key(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? address : address[..at] + "@" + address[(at + 1)..].ToLowerInvariant();
    }
}
