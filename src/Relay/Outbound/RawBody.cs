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
    private readonly ReadOnlyMemory<byte> _content;
    private readonly bool _detached;

    public RawBody(ReadOnlyMemory<byte> content, bool eightBit)
    {
        _content = content;
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
        cancellationToken.ThrowIfCancellationRequested();
        stream.Write(_content.Span);
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default) =>
        await stream.WriteAsync(_content, cancellationToken);
}
