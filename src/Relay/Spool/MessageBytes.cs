namespace Relay.Spool;

/// <summary>Facts about a message's raw bytes, read without parsing it: where the header block ends, 8-bit bytes, line lengths.</summary>
internal static class MessageBytes
{
    /// <summary>
    /// The header block (through the CRLF of its last line) and where the body starts (after the empty line). A message
    /// with no empty line is all header block and no body.
    /// </summary>
    public static (int HeaderLength, int BodyStart) Split(ReadOnlySpan<byte> message)
    {
        var start = 0;
        while (start < message.Length)
        {
            var end = message[start..].IndexOf((byte)'\n');
            var next = end < 0 ? message.Length : start + end + 1;
            var line = message[start..next];
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                return (start, next);
            }

            start = next;
        }

        return (message.Length, message.Length);
    }

    public static bool HasEightBit(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    /// <summary>The length of the longest line, its line break not counted.</summary>
    public static int LongestLine(ReadOnlySpan<byte> bytes)
    {
        var longest = 0;
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOf((byte)'\n');
            var line = end < 0 ? bytes : bytes[..end];
            longest = Math.Max(longest, line.EndsWith("\r"u8) ? line.Length - 1 : line.Length);
            bytes = end < 0 ? default : bytes[(end + 1)..];
        }

        return longest;
    }

    /// <summary>Whether a line of the header block holds a CR that does not begin its CRLF (RFC 5322 forbids a bare CR).</summary>
    public static bool HasBareCarriageReturn(ReadOnlySpan<byte> bytes)
    {
        for (var i = bytes.IndexOf((byte)'\r'); i >= 0; i = bytes.IndexOf((byte)'\r'))
        {
            if (i + 1 >= bytes.Length || bytes[i + 1] != (byte)'\n')
            {
                return true;
            }

            bytes = bytes[(i + 2)..];
        }

        return false;
    }
}
