using System.Buffers;
using MimeKit;
using Relay.Spool;

namespace Relay.Inbound;

/// <summary>
/// What the end of DATA checks in a message's header block (RFC 5322 §3.6): one From, at most one Sender, no bare CR
/// in a header line. <see cref="Senders"/> are every address the header From and Sender name, for the sender allowlist;
/// <see cref="Headers"/> the parsed block, for routing and the header-addressed transports.
/// </summary>
/// <param name="From">The first address of the header From, for routing by sender; null when there is none that parses.</param>
internal sealed record HeaderCheck(string? Problem, IReadOnlyList<string?> Senders, HeaderList? Headers = null, string? From = null)
{
    /// <summary>How much of the message is read for its header block.</summary>
    public const int MaxHeaderBlock = 1024 * 1024;

    public static HeaderCheck Read(ReadOnlySequence<byte> message)
    {
        var head = HeaderBlock(message);
        var block = head.AsSpan(0, MessageBytes.Split(head).HeaderLength);
        if (MessageBytes.HasBareCarriageReturn(block))
        {
            return new HeaderCheck("A header line holds a bare CR (RFC 5322 allows CR only before LF)", []);
        }

        HeaderList headers;
        try
        {
            using var stream = new MemoryStream(block.Length + 2);
            stream.Write(block);
            stream.Write("\r\n"u8);
            stream.Position = 0;
            headers = HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return new HeaderCheck(null, [null]);
        }

        var from = headers.Where(h => h.Id == HeaderId.From).ToList();
        var sender = headers.Where(h => h.Id == HeaderId.Sender).ToList();
        if (from.Count > 1 || sender.Count > 1)
        {
            var field = from.Count > 1 ? "From" : "Sender";
            return new HeaderCheck($"The message has {Math.Max(from.Count, sender.Count)} {field} headers; RFC 5322 allows one", []);
        }

        var fromAddresses = Addresses(from);
        var senders = fromAddresses.Concat(Addresses(sender)).ToList();
        return new HeaderCheck(null, senders.Count == 0 ? [null] : senders, headers, fromAddresses.FirstOrDefault());

        static List<string?> Addresses(List<Header> fields) =>
            [.. fields.SelectMany(header => InternetAddressList.TryParse(header.Value, out var list) ? list.Mailboxes.Select(m => (string?)m.Address) : [null])];
    }

    /// <summary>The bytes up to and with the empty line that ends the header block (at most <see cref="MaxHeaderBlock"/>): the body is not copied.</summary>
    private static byte[] HeaderBlock(ReadOnlySequence<byte> message)
    {
        var reader = new SequenceReader<byte>(message.Length > MaxHeaderBlock ? message.Slice(0, MaxHeaderBlock) : message);
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            if (reader.IsNext("\r\n"u8) || reader.IsNext((byte)'\n'))
            {
                reader.Advance(reader.IsNext((byte)'\n') ? 1 : 2);
                return reader.Sequence.Slice(0, reader.Position).ToArray();
            }
        }

        return reader.Sequence.ToArray(); // no body: all of it is header block
    }
}
