using System.Text;
using MimeKit;
using Relay.Outbound;

namespace Relay.Tests.Outbound;

public sealed class HeaderAddressingTests
{
    private static HeaderList Headers(string block) => HeaderList.Load(new MemoryStream(Encoding.UTF8.GetBytes(block.ReplaceLineEndings("\r\n") + "\r\n")));

    private static string[] Bcc(HeaderAddressingResult result) =>
        [.. result.Headers!.Where(h => h.Id == HeaderId.Bcc).SelectMany(h => InternetAddressList.Parse(h.Value).Mailboxes.Select(m => m.Address))];

    [Fact]
    public void Decide_EnvelopeRecipientNotInHeaders_GoesIntoBcc()
    {
        var result = HeaderAddressing.Decide(["to@example.com", "hidden@example.com"], Headers("From: app@example.com\nTo: to@example.com\nSubject: s"));

        Assert.Null(result.Refusal);
        Assert.Equal(["hidden@example.com"], Bcc(result));
        Assert.Equal(["hidden@example.com"], result.Hidden);
        Assert.Equal(["From", "To", "Subject", "Bcc"], result.Headers!.Select(h => h.Field));
    }

    [Fact]
    public void Decide_HeaderRecipientNotInEnvelope_IsRefusedNamingIt()
    {
        var result = HeaderAddressing.Decide(["to@example.com"], Headers("To: to@example.com\nCc: stranger@example.net"));

        Assert.Null(result.Headers);
        Assert.Equal(
            "this account sends through the Gmail API, which sends to every address in To, Cc and Bcc; stranger@example.net is in the Cc header but not among the RCPT TO recipients.",
            result.Refusal);
    }

    [Fact]
    public void Decide_BccHeaderNamingSomeoneOutsideTheEnvelope_IsRefused()
    {
        var result = HeaderAddressing.Decide(["to@example.com"], Headers("To: to@example.com\nBcc: extra@example.com"));

        Assert.Contains("extra@example.com is in the Bcc header", result.Refusal);
    }

    [Fact]
    public void Decide_ExistingBcc_IsReplacedInPlaceByExactlyTheHiddenRecipients()
    {
        var result = HeaderAddressing.Decide(
            ["to@example.com", "b1@example.com", "b2@example.com"],
            Headers("To: to@example.com\nBcc: b1@example.com\nSubject: s\nBcc: to@example.com"));

        Assert.Null(result.Refusal);
        Assert.Equal(["b1@example.com", "b2@example.com"], Bcc(result));
        Assert.Equal(["To", "Bcc", "Subject"], result.Headers!.Select(h => h.Field));
    }

    [Fact]
    public void Decide_EveryEnvelopeRecipientVisible_RemovesBccAndAddsNone()
    {
        var result = HeaderAddressing.Decide(["to@example.com", "cc@example.com"], Headers("To: to@example.com\nCc: cc@example.com\nBcc: cc@example.com"));

        Assert.Null(result.Refusal);
        Assert.Empty(Bcc(result));
        Assert.DoesNotContain(result.Headers!, h => h.Id == HeaderId.Bcc);
    }

    [Fact]
    public void Decide_DomainCaseDiffers_IsTheSameRecipientAndNeverDuplicated()
    {
        var result = HeaderAddressing.Decide(["To@EXAMPLE.com", "to@example.com"], Headers("To: To@example.COM"));

        Assert.Null(result.Refusal);
        // to@example.com differs from To@example.com in its local part, which only the receiving host may fold: it stays hidden.
        Assert.Equal(["to@example.com"], Bcc(result));
    }

    [Fact]
    public void Decide_SameEnvelopeRecipientTwice_IsOneBccEntry()
    {
        var result = HeaderAddressing.Decide(["a@example.com", "a@Example.com", "to@example.com"], Headers("To: to@example.com"));

        Assert.Equal(["a@example.com"], Bcc(result));
    }

    [Fact]
    public void Decide_GroupsAndDisplayNamesInHeaders_AreReadAsAddresses()
    {
        var result = HeaderAddressing.Decide(
            ["a@example.com", "b@example.com"],
            Headers("To: \"Ann, Sales\" <a@example.com>, team: b@example.com;"));

        Assert.Null(result.Refusal);
        Assert.Empty(result.Hidden);
    }

    [Fact]
    public void Decide_MoreThanTheLimit_IsRefusedWithTheCount()
    {
        var recipients = Enumerable.Range(0, 101).Select(i => $"r{i}@example.com").ToArray();

        var result = HeaderAddressing.Decide(recipients, Headers("To: r0@example.com"));

        Assert.Contains("at most 100 per message; this message has 101 recipients", result.Refusal);
    }

    [Fact]
    public void Decide_ExactlyTheLimit_IsAccepted()
    {
        var recipients = Enumerable.Range(0, 100).Select(i => $"r{i}@example.com").ToArray();

        var result = HeaderAddressing.Decide(recipients, Headers("To: r0@example.com"));

        Assert.Null(result.Refusal);
        Assert.Equal(99, Bcc(result).Length);
    }

    [Fact]
    public void Decide_OtherHeaders_AreKeptByteForByte()
    {
        var headers = Headers("Subject: =?utf-8?q?caf=C3=A9?=\nX-Odd:   spaced\tvalue\nTo: to@example.com");

        var result = HeaderAddressing.Decide(["to@example.com"], headers);

        Assert.Equal(headers.Select(h => h.RawValue), result.Headers!.Select(h => h.RawValue));
    }
}
