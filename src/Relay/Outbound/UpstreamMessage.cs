using System.Buffers;
using MimeKit;
using MimeKit.Cryptography;
using Relay.Rewrite;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>What the upstream offered in its EHLO that decides how a message may travel.</summary>
internal readonly record struct UpstreamCapabilities(bool EightBitMime, bool SmtpUtf8);

/// <summary>
/// A spooled message made ready for the upstream without changing it: the header block is parsed (so the rewrite can
/// set From, Sender and Reply-To in place) and every other header keeps its raw bytes; the body goes out as the exact
/// bytes received. The one allowed change is to a leaf part the upstream cannot carry (a line over 998 octets, RFC 5321
/// §4.5.3.1.6, or 8-bit data to an upstream without 8BITMIME): that part alone is re-encoded, never a part under
/// <c>multipart/signed</c> or <c>multipart/encrypted</c>, and <see cref="Changes"/> says what was done and why.
/// </summary>
internal sealed class UpstreamMessage : IDisposable
{
    /// <summary>The longest line SMTP carries, without its CRLF.</summary>
    public const int MaxLineLength = 998;

    private readonly Stream _source;

    private UpstreamMessage(MimeMessage message, bool headersEightBit, IReadOnlyList<string> changes, Stream source)
    {
        _source = source;
        Message = message;
        HeadersEightBit = headersEightBit;
        Changes = changes;
    }

    public MimeMessage Message { get; }

    /// <summary>Whether a header holds 8-bit (UTF-8) bytes, which is what RFC 6531's SMTPUTF8 is for.</summary>
    public bool HeadersEightBit { get; }

    /// <summary>One line per re-encoded part, or per part that could not be re-encoded; empty when the body goes out as received.</summary>
    public IReadOnlyList<string> Changes { get; }

    /// <summary>How MailKit should write it: never re-formatting a received header, UTF-8 allowed when the upstream takes SMTPUTF8.</summary>
    public FormatOptions Format(UpstreamCapabilities upstream, bool addressesNeedUtf8)
    {
        var format = FormatOptions.Default.Clone();
        format.International = upstream.SmtpUtf8 && upstream.EightBitMime && (HeadersEightBit || addressesNeedUtf8);
        return format;
    }

    /// <summary>
    /// Reads the spooled message <paramref name="message"/> (seekable, at its start): its header block and what its body
    /// holds, not the body itself, which <see cref="RawBody"/> streams from <paramref name="message"/> while it is sent.
    /// The stream is this object's from now on: it stays open until <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="FormatException">The message cannot be parsed at all.</exception>
    public static UpstreamMessage Load(Stream message, UpstreamCapabilities upstream)
    {
        try
        {
            var (headerBlock, bodyStart) = MessageBytes.ReadHeaderBlock(message);
            var body = ScanBody(message, bodyStart);
            var built = body.Longest > MaxLineLength || (body.EightBit && !upstream.EightBitMime)
                ? ReencodeParts(message, upstream, out var changes)
                : AsReceived(headerBlock, new RawBody(message, bodyStart, message.Length - bodyStart, body.EightBit), out changes);
            KeepRawHeaderValues(built);
            return new UpstreamMessage(built, MessageBytes.HasEightBit(headerBlock), changes, message);
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary><see cref="Load"/> for a message in memory.</summary>
    public static UpstreamMessage Build(ReadOnlyMemory<byte> raw, UpstreamCapabilities upstream) =>
        Load(new MemoryStream(raw.ToArray(), writable: false), upstream);

    public void Dispose() => _source.Dispose();

    private static LineScan ScanBody(Stream message, long bodyStart)
    {
        var scan = new LineScan();
        message.Position = bodyStart;
        var buffer = ArrayPool<byte>.Shared.Rent(RawBody.BufferSize);
        try
        {
            int read;
            while ((read = message.Read(buffer, 0, RawBody.BufferSize)) > 0)
            {
                scan.Add(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        scan.End();
        return scan;
    }

    /// <summary>The header block parsed, the body kept as bytes: what goes out is what came in.</summary>
    private static MimeMessage AsReceived(byte[] headerBlock, RawBody body, out IReadOnlyList<string> changes)
    {
        using var stream = new MemoryStream(headerBlock.Length + 2);
        stream.Write(headerBlock);
        stream.Write("\r\n"u8);
        stream.Position = 0;
        var message = WithHeaders(HeaderList.Load(stream));
        message.Body = body;
        changes = [];
        return message;
    }

    /// <summary>A message holding exactly <paramref name="headers"/>, in their order and with their raw bytes (no Date or Message-ID of its own).</summary>
    public static MimeMessage WithHeaders(HeaderList headers)
    {
        var message = new MimeMessage();
        message.Headers.Clear();
        foreach (var header in headers)
        {
            message.Headers.Add(header);
        }

        return message;
    }

    /// <summary>The whole message parsed, and each leaf part the upstream cannot carry given a 7-bit encoding; every other part is written as parsed.</summary>
    private static MimeMessage ReencodeParts(Stream raw, UpstreamCapabilities upstream, out IReadOnlyList<string> changes)
    {
        raw.Position = 0;
        var message = MimeMessage.Load(raw); // in memory: the rare message a part of which must change
        var constraint = upstream.EightBitMime ? EncodingConstraint.EightBit : EncodingConstraint.SevenBit;
        var done = new List<string>();
        var signed = new HashSet<MimeEntity>();
        using var iterator = new MimeIterator(message);
        while (iterator.MoveNext())
        {
            if (iterator.Parent is { } parent && (parent is MultipartSigned or MultipartEncrypted || signed.Contains(parent)))
            {
                signed.Add(iterator.Current);
            }

            if (iterator.Current is not MimePart { Content: not null } part || part is RawBody)
            {
                continue;
            }

            var reason = Problem(part, upstream);
            if (reason is null)
            {
                continue;
            }

            if (signed.Contains(part))
            {
                done.Add($"part {iterator.PathSpecifier} ({part.ContentType.MimeType}) has {reason} but is signed or encrypted: sent unchanged");
                continue;
            }

            var encoding = part.GetBestEncoding(constraint, MaxLineLength);
            if (encoding is ContentEncoding.SevenBit or ContentEncoding.EightBit)
            {
                encoding = part.ContentType.IsMimeType("text", "*") ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
            }

            done.Add($"part {iterator.PathSpecifier} ({part.ContentType.MimeType}) re-encoded from {Label(part.ContentTransferEncoding)} to {Label(encoding)}: {reason}");
            part.ContentTransferEncoding = encoding;
        }

        if (done.Count > 0 && !message.Headers.Contains(HeaderId.MimeVersion))
        {
            message.MimeVersion = new Version(1, 0); // a Content-Transfer-Encoding means nothing without it
        }

        changes = done;
        return message;
    }

    /// <summary>Why the upstream cannot carry this part's bytes as they are; null when it can.</summary>
    private static string? Problem(MimePart part, UpstreamCapabilities upstream)
    {
        if (part.ContentTransferEncoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode)
        {
            return null; // already 7-bit; its own lines are what was received
        }

        using var content = new MemoryStream();
        part.Content!.DecodeTo(content);
        var bytes = content.GetBuffer().AsSpan(0, (int)content.Length);
        if (MessageBytes.LongestLine(bytes) > MaxLineLength)
        {
            return $"a line over {MaxLineLength} octets";
        }

        return !upstream.EightBitMime && MessageBytes.HasEightBit(bytes) ? "8-bit data and the upstream has no 8BITMIME" : null;
    }

    private static string Label(ContentEncoding encoding) => encoding switch
    {
        ContentEncoding.Default or ContentEncoding.SevenBit => "7bit",
        ContentEncoding.EightBit => "8bit",
        ContentEncoding.QuotedPrintable => "quoted-printable",
        ContentEncoding.Base64 => "base64",
        ContentEncoding.Binary => "binary",
        _ => encoding.ToString(),
    };

    /// <summary>
    /// Marks every received header's value as final, so that MailKit's international formatting (used with SMTPUTF8)
    /// writes it as received instead of re-formatting address and Content-* headers.
    /// </summary>
    private static void KeepRawHeaderValues(MimeMessage message)
    {
        foreach (var header in message.Headers)
        {
            Keep(header);
        }

        using var iterator = new MimeIterator(message);
        while (iterator.MoveNext())
        {
            foreach (var header in iterator.Current.Headers)
            {
                Keep(header);
            }
        }

        static void Keep(Header header)
        {
            if (header.RawValue is { Length: > 0 } raw && raw[^1] == (byte)'\n')
            {
                header.SetRawValue(raw);
            }
        }
    }
}

/// <summary>What one send came to: the upstream's final reply, the recipients not reached, and what was changed on the way.</summary>
internal sealed record UpstreamResult(
    string Reply, IReadOnlyList<RecipientRefusal> Refused, RewriteResult Rewrite, IReadOnlyList<string> Changes, string? MessageId);
