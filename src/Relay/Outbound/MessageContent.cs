using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Relay.Outbound;

/// <summary>
/// The message as an HTTP body, written by its writer straight to the connection (never held in memory), with its
/// length: the MIME bytes as they are (<see cref="Raw"/>, the Gmail API's upload), or their base64 with no line breaks
/// (<see cref="Base64"/>, Microsoft Graph's MIME <c>sendMail</c>).
/// </summary>
internal sealed class MessageContent : HttpContent
{
    private readonly Func<Stream, CancellationToken, Task> _write;
    private readonly long _length;
    private readonly bool _base64;

    private MessageContent(Func<Stream, CancellationToken, Task> write, long length, string mediaType, bool base64)
    {
        _write = write;
        _length = length;
        _base64 = base64;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType);
    }

    /// <summary><c>message/rfc822</c>: the <paramref name="size"/> MIME bytes <paramref name="write"/> writes, as they are.</summary>
    public static MessageContent Raw(Func<Stream, CancellationToken, Task> write, long size) => new(write, size, "message/rfc822", base64: false);

    /// <summary><c>text/plain</c>: the base64 of the <paramref name="size"/> MIME bytes <paramref name="write"/> writes.</summary>
    public static MessageContent Base64(Func<Stream, CancellationToken, Task> write, long size) => new(write, Base64Length(size), "text/plain", base64: true);

    /// <summary>The length of the base64 of <paramref name="bytes"/> bytes (no line breaks).</summary>
    public static long Base64Length(long bytes) => (bytes + 2) / 3 * 4;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (!_base64)
        {
            await _write(stream, cancellationToken);
            return;
        }

        await using var base64 = new CryptoStream(stream, new ToBase64Transform(), CryptoStreamMode.Write, leaveOpen: true);
        await _write(base64, cancellationToken);
        await base64.FlushFinalBlockAsync(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}

/// <summary>The length of a message whose writer does not know it.</summary>
internal static class MessageLength
{
    /// <summary>The number of bytes <paramref name="write"/> writes, counted by MimeKit's <see cref="MimeKit.IO.MeasuringStream"/> (nothing kept).</summary>
    public static async Task<long> MeasureAsync(Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        await using var counter = new MimeKit.IO.MeasuringStream();
        await write(counter, cancellationToken);
        return counter.Length;
    }
}
