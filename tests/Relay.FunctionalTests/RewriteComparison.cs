using System.Text;
using Relay.Spool;

namespace Relay.FunctionalTests;

/// <summary>What the byte-for-byte promise allows to differ between what a client sent and what the upstream received.</summary>
internal static class RewriteComparison
{
    /// <summary>The header fields the rewrite may change: From, Sender, and a Reply-To it adds.</summary>
    public static readonly string[] RewrittenFields = ["From", "Reply-To", "Sender"];

    /// <summary>Every header field (with its folding, case and order) and every body byte the same, From, Sender and an appended Reply-To aside.</summary>
    public static void AssertSameExceptRewrite(byte[] sent, byte[] received)
    {
        var (sentHeaders, sentBody) = Parts(sent);
        var (receivedHeaders, receivedBody) = Parts(received);
        Assert.Equal(Convert.ToHexString(sentBody), Convert.ToHexString(receivedBody));
        Assert.Equal(Kept(sentHeaders), Kept(receivedHeaders));

        static (List<string> Fields, byte[] Body) Parts(byte[] message)
        {
            var (headerLength, bodyStart) = MessageBytes.Split(message);
            var fields = new List<string>();
            foreach (var line in Encoding.UTF8.GetString(message, 0, headerLength).Split("\r\n")[..^1])
            {
                if (line.StartsWith(' ') || line.StartsWith('\t'))
                {
                    fields[^1] += "\r\n" + line;
                }
                else
                {
                    fields.Add(line);
                }
            }

            return (fields, message[bodyStart..]);
        }

        static List<string> Kept(List<string> fields) =>
            [.. fields.Where(field => !RewrittenFields.Any(name => field.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)))];
    }
}
