using System.Text;
using MimeKit;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.Tests.Outbound;

public sealed class UpstreamMessageTests
{
    private static readonly UpstreamCapabilities Gmail = new(EightBitMime: true, SmtpUtf8: true);

    public static TheoryData<string> Shapes() => [.. ClientShapedMessages.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AsReceived_IsWrittenByteForByte(string name)
    {
        var raw = ClientShapedMessages.All.Single(m => m.Name == name).Message;

        var upstream = UpstreamMessage.Build(raw, Gmail);

        Assert.Empty(upstream.Changes);
        Assert.Equal(Encoding.UTF8.GetString(raw), Encoding.UTF8.GetString(Write(upstream, Gmail)));
    }

    [Fact]
    public void EightBitLabelOverAscii_KeepsItsLabel_WhereMimeKitsPrepareWouldRelabelIt()
    {
        var raw = ClientShapedMessages.EightBitLabelOverAscii;

        var sent = Encoding.UTF8.GetString(Write(UpstreamMessage.Build(raw, Gmail), Gmail));

        Assert.Contains("Content-Transfer-Encoding: 8bit\r\n", sent, StringComparison.Ordinal);
        // What MailKit's SmtpClient.Send did before: Prepare(EightBit, 998) relabels the part.
        var prepared = MimeMessage.Load(new MemoryStream(raw));
        prepared.Prepare(EncodingConstraint.EightBit, 998);
        Assert.Equal(ContentEncoding.SevenBit, ((MimePart)prepared.Body!).ContentTransferEncoding);
    }

    [Fact]
    public void EightBitBody_IsDeclaredEightBit_AndAsciiBodyIsNot()
    {
        Assert.Equal(ContentEncoding.EightBit, ((MimePart)UpstreamMessage.Build(ClientShapedMessages.Utf8WithoutMimeHeaders, Gmail).Message.Body!).ContentTransferEncoding);
        Assert.NotEqual(ContentEncoding.EightBit, ((MimePart)UpstreamMessage.Build(ClientShapedMessages.EightBitLabelOverAscii, Gmail).Message.Body!).ContentTransferEncoding);
    }

    [Fact]
    public void LongLine_ReencodesThatPartAlone()
    {
        var raw = ClientShapedMessages.LongLine;

        var upstream = UpstreamMessage.Build(raw, Gmail);
        var sent = Encoding.UTF8.GetString(Write(upstream, Gmail));

        var change = Assert.Single(upstream.Changes);
        Assert.Contains("(text/plain) re-encoded from 7bit to quoted-printable: a line over 998 octets", change, StringComparison.Ordinal);
        Assert.True(Relay.Spool.MessageBytes.LongestLine(Encoding.UTF8.GetBytes(sent)) <= 998);
        var original = Encoding.UTF8.GetString(raw);
        var attachment = original[original.LastIndexOf("--long-1\r\nContent-Type: text/plain; charset=us-ascii; name=notes.txt", StringComparison.Ordinal)..];
        Assert.EndsWith(attachment, sent, StringComparison.Ordinal);
        Assert.StartsWith(original[..original.IndexOf("--long-1", StringComparison.Ordinal)], sent, StringComparison.Ordinal);
        var decoded = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(sent)));
        Assert.Equal(new string('x', 1200) + "\nshort line", ((TextPart)decoded.BodyParts.First()).Text.TrimEnd().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void LongLine_UnderMultipartSigned_IsNeverChanged()
    {
        var raw = ClientShapedMessages.Crlf($"""
            From: {ClientShapedMessages.Sender}
            To: alice@example.org
            Subject: signed
            MIME-Version: 1.0
            Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig-1"

            --sig-1
            Content-Type: text/plain; charset=us-ascii

            {new string('y', 1200)}
            --sig-1
            Content-Type: application/pkcs7-signature; name=smime.p7s
            Content-Transfer-Encoding: base64

            AAAA
            --sig-1--

            """);

        var upstream = UpstreamMessage.Build(raw, Gmail);

        Assert.Contains("is signed or encrypted: sent unchanged", Assert.Single(upstream.Changes), StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(raw), Encoding.UTF8.GetString(Write(upstream, Gmail)));
    }

    [Fact]
    public void WithoutEightBitMime_OnlyTheEightBitPartIsReencoded()
    {
        var raw = ClientShapedMessages.EightBitAndAsciiParts;
        var sevenBit = new UpstreamCapabilities(EightBitMime: false, SmtpUtf8: false);

        var upstream = UpstreamMessage.Build(raw, sevenBit);
        var sent = Write(upstream, sevenBit);

        Assert.Contains("8-bit data and the upstream has no 8BITMIME", Assert.Single(upstream.Changes), StringComparison.Ordinal);
        Assert.False(Relay.Spool.MessageBytes.HasEightBit(sent));
        var text = Encoding.UTF8.GetString(sent);
        Assert.Contains("--mix-1\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nUnchanged ASCII part.\r\n--mix-1--", text, StringComparison.Ordinal);
        Assert.Equal("Mis à jour.", ((TextPart)MimeMessage.Load(new MemoryStream(sent)).BodyParts.First()).Text.TrimEnd());
    }

    [Fact]
    public void Utf8Headers_GoOutAsReceived_AndAskForSmtpUtf8()
    {
        var raw = ClientShapedMessages.Utf8Header;

        var upstream = UpstreamMessage.Build(raw, Gmail);

        Assert.True(upstream.HeadersEightBit);
        Assert.True(upstream.Format(Gmail, addressesNeedUtf8: false).International);
        Assert.False(upstream.Format(new UpstreamCapabilities(true, false), addressesNeedUtf8: false).International);
        Assert.Equal(Encoding.UTF8.GetString(raw), Encoding.UTF8.GetString(Write(upstream, Gmail)));
    }

    /// <summary>What MailKit writes after MAIL/RCPT (before dot-stuffing), with the options the connection gives it.</summary>
    private static byte[] Write(UpstreamMessage upstream, UpstreamCapabilities offers)
    {
        var format = upstream.Format(offers, addressesNeedUtf8: false);
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        using var stream = new MemoryStream();
        upstream.Message.WriteTo(format, stream);
        return stream.ToArray();
    }
}
