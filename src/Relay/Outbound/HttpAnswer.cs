using System.Net.Http.Headers;
using System.Text;

namespace Relay.Outbound;

/// <summary>What the HTTP transports (the Gmail API, Microsoft Graph) read of an answer, the same way.</summary>
internal static class HttpAnswer
{
    /// <summary>The most of an answer's body kept: enough for any error document, never a whole page someone put in the way.</summary>
    public const int MaxChars = 64 * 1024;

    /// <summary>The answer's body as text, cut at <see cref="MaxChars"/>.</summary>
    public static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxChars];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return new string(buffer, 0, read);
    }

    /// <summary>How long the server asked to wait (<c>Retry-After</c>, as seconds or as a date); null when it did not say.</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, TimeProvider time) => headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}
