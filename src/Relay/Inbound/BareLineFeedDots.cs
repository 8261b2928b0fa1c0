using System.Buffers;

namespace Relay.Inbound;

/// <summary>
/// SmtpServer undoes the dot-stuffing of lines that end in CRLF only. A client that sends bare-LF lines and stuffs them
/// anyway (Python's <c>smtplib.sendmail</c> given bytes does, and it is common in cron scripts) would see a line
/// <c>.x</c> stored as <c>..x</c>. As Postfix does, a bare LF counts as a line end here, so its stuffed dot is removed
/// too; every other byte is kept.
/// </summary>
internal static class BareLineFeedDots
{
    /// <summary>The message with the dot that stuffs a bare-LF line removed; the same sequence (no copy) when there is none.</summary>
    public static ReadOnlySequence<byte> Unstuff(ReadOnlySequence<byte> message)
    {
        if (!HasStuffedBareLine(message))
        {
            return message;
        }

        // Compacted in place (one copy of the message, not two): a write never passes the byte being read, and the two
        // bytes before it are kept as they were read.
        var bytes = message.ToArray();
        var length = 0;
        byte before = 0, beforeThat = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var current = bytes[i];
            var stuffed = current == (byte)'.' && i >= 1 && before == (byte)'\n' && (i < 2 || beforeThat != (byte)'\r')
                && i + 1 < bytes.Length && bytes[i + 1] == (byte)'.';
            (beforeThat, before) = (before, current);
            if (!stuffed)
            {
                bytes[length++] = current;
            }
        }

        return new ReadOnlySequence<byte>(bytes, 0, length);
    }

    private static bool HasStuffedBareLine(ReadOnlySequence<byte> message)
    {
        var reader = new SequenceReader<byte>(message);
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            if (!reader.IsNext(".."u8))
            {
                continue;
            }

            if (reader.Consumed < 2)
            {
                return true; // the message starts with a bare LF
            }

            reader.Rewind(2);
            reader.TryRead(out var before);
            reader.Advance(1);
            if (before != (byte)'\r')
            {
                return true;
            }
        }

        return false;
    }
}
