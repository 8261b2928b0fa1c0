using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Relay.Outbound.Graph;

/// <summary>
/// The message as Graph's MIME <c>sendMail</c> takes it: <c>text/plain</c>, the base64 of the MIME bytes (no line
/// breaks), encoded while the writer writes straight to the connection (never held in memory).
/// </summary>
internal sealed class Base64Content : HttpContent
{
    private readonly Func<Stream, CancellationToken, Task> _write;
    private readonly long _length;

    /// <param name="size">The number of MIME bytes <paramref name="write"/> writes.</param>
    public Base64Content(Func<Stream, CancellationToken, Task> write, long size)
    {
        _write = write;
        _length = GraphLimits.Base64Length(size);
        Headers.ContentType = new MediaTypeHeaderValue("text/plain");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
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
