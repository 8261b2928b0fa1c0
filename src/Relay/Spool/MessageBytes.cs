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

    /// <summary>
    /// Reads from <paramref name="message"/> (at its start) until the header block's end: its bytes, through the CRLF
    /// of its last line, and the offset where the body starts. Reads the header block, not the body (beyond one buffer).
    /// </summary>
    public static (byte[] HeaderBlock, long BodyStart) ReadHeaderBlock(Stream message)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var searchFrom = Math.Max(0, (int)buffer.Length - 2); // a blank line may straddle two reads
            var read = message.Read(chunk);
            buffer.Write(chunk, 0, read);
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            // Split only once the block's end is in: running it on every read would rescan the block each time.
            if (read == 0 || bytes.StartsWith("\r\n"u8) || bytes.StartsWith("\n"u8) ||
                bytes[searchFrom..].IndexOf("\n\r\n"u8) >= 0 || bytes[searchFrom..].IndexOf("\n\n"u8) >= 0)
            {
                var (headerLength, bodyStart) = Split(bytes);
                return (bytes[..headerLength].ToArray(), bodyStart);
            }
        }
    }
}

/// <summary>Line lengths and 8-bit bytes of a body read in pieces (a line may span two pieces); what <see cref="MessageBytes"/> tells of one span.</summary>
internal struct LineScan
{
    private int _current;
    private bool _lastWasCr;

    /// <summary>The longest line so far, its line break not counted.</summary>
    public int Longest { get; private set; }

    public bool EightBit { get; private set; }

    public void Add(ReadOnlySpan<byte> piece)
    {
        EightBit |= MessageBytes.HasEightBit(piece);
        while (!piece.IsEmpty)
        {
            var end = piece.IndexOf((byte)'\n');
            if (end < 0)
            {
                _current += piece.Length;
                _lastWasCr = piece[^1] == (byte)'\r';
                return;
            }

            var crBefore = end > 0 ? piece[end - 1] == (byte)'\r' : _lastWasCr;
            Longest = Math.Max(Longest, _current + end - (crBefore ? 1 : 0));
            _current = 0;
            _lastWasCr = false;
            piece = piece[(end + 1)..];
        }
    }

    /// <summary>Counts the last line when the body does not end with a line break.</summary>
    public void End()
    {
        Longest = Math.Max(Longest, _current - (_lastWasCr ? 1 : 0));
        _current = 0;
    }
}
