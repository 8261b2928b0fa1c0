using System.Buffers;
using MimeKit;

namespace Relay.Outbound;

/// <summary>
/// The body of a message exactly as it was received, written out byte for byte. It carries no headers of its own:
/// the message's whole header block (Content-* headers included) stays in <see cref="MimeMessage.Headers"/>, so MimeKit
/// writes the headers and this writes the rest, untouched. Declared 8bit when it holds 8-bit bytes, which is what makes
/// MailKit send <c>BODY=8BITMIME</c>.
/// </summary>
internal sealed class RawBody : MimePart
{
    public const int BufferSize = 81920;

    private readonly Stream _source;
    private readonly long _offset;
    private readonly long _length;
    private readonly bool _detached;

    /// <summary>The body is the <paramref name="length"/> bytes of <paramref name="source"/> from <paramref name="offset"/>, read each time it is written (MailKit writes it once to measure it, once to send it).</summary>
    public RawBody(Stream source, long offset, long length, bool eightBit)
    {
        _source = source;
        _offset = offset;
        _length = length;
        if (eightBit)
        {
            // MailKit reads the flag from the part's transfer encoding; the header that setting it adds is dropped below.
            ContentTransferEncoding = ContentEncoding.EightBit;
        }

        _detached = true;
        Headers.Clear();
    }

    // Keeps the transfer encoding set above once the headers are cleared: this part's headers are never written.
    protected override void OnHeadersChanged(HeaderListChangedAction action, Header? header)
    {
        if (!_detached)
        {
            base.OnHeadersChanged(action, header);
        }
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            _source.Position = _offset;
            for (var left = _length; left > 0;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = _source.Read(buffer, 0, (int)Math.Min(BufferSize, left));
                if (read == 0)
                {
                    throw new EndOfStreamException("The spooled message is shorter than when it was loaded.");
                }

                stream.Write(buffer, 0, read);
                left -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            _source.Position = _offset;
            for (var left = _length; left > 0;)
            {
                var read = await _source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, left)), cancellationToken);
                if (read == 0)
                {
                    throw new EndOfStreamException("The spooled message is shorter than when it was loaded.");
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                left -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
