using System.Text;
using Relay.Spool;

namespace Relay.Tests.Spool;

/// <summary>The body is scanned in pieces while it is read from the spool file: a piece may end anywhere, even between CR and LF.</summary>
public sealed class LineScanTests
{
    public static TheoryData<string> Bodies() => new()
    {
        "short\r\nlines\r\n",
        new string('a', 998) + "\r\n" + new string('b', 999) + "\r\nend",
        "bare\nlines\n" + new string('c', 1200),
        new string('d', 500) + "\r\n\r\n" + new string('e', 997) + "\r",
        "caf\u00e9\r\n",
        string.Empty,
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void AnySplitIntoPieces_GivesWhatTheWholeSpanGives(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
        for (var cut = 0; cut <= body.Length; cut += Math.Max(1, body.Length / 37))
        {
            foreach (var size in new[] { 1, 2, 7, 1000, body.Length + 1 })
            {
                var scan = new LineScan();
                scan.Add(body.AsSpan(0, cut));
                for (var at = cut; at < body.Length; at += size)
                {
                    scan.Add(body.AsSpan(at, Math.Min(size, body.Length - at)));
                }

                scan.End();
                Assert.Equal(MessageBytes.LongestLine(body), scan.Longest);
                Assert.Equal(MessageBytes.HasEightBit(body), scan.EightBit);
            }
        }
    }
}
