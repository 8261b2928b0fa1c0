using System.Globalization;
using System.Text;

namespace Relay;

/// <summary>
/// Makes text that came from a client (an SMTP command, a header, a reply quoted back) safe to print on a terminal or
/// write in a log line: every control character (C0, including tab and line breaks, DEL, C1, hence the ESC that starts
/// a terminal escape sequence), the Unicode line and paragraph separators and the bidirectional overrides are shown as
/// <c>\xHH</c> / <c>\uHHHH</c>. What is left is inert: an escape sequence loses its ESC, a forged log line its line break.
/// </summary>
internal static class ClientText
{
    public static string Clean(string text)
    {
        if (!text.AsSpan().ContainsAny(Unsafe))
        {
            return text;
        }

        var clean = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!Unsafe.Contains(c))
            {
                clean.Append(c);
            }
            else if (c <= '\u00ff')
            {
                clean.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                clean.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return clean.ToString();
    }

    /// <summary>Null stays null.</summary>
    public static string? CleanOrNull(string? text) => text is null ? null : Clean(text);

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        [
            .. Enumerable.Range(0x00, 0x20).Select(c => (char)c), // C0, ESC among them
            '\u007f', // DEL
            .. Enumerable.Range(0x80, 0x20).Select(c => (char)c), // C1, CSI (0x9B) among them
            '\u2028', '\u2029', // line and paragraph separators
            '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', // bidi embeddings, overrides, isolates
        ]);
}
