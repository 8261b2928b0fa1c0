using System.Buffers;
using System.Text;
using Relay.Inbound;

namespace Relay.Tests.Inbound;

public sealed class HeaderCheckTests
{
    private static HeaderCheck Read(string message) => HeaderCheck.Read(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(message)));

    [Fact]
    public void OnlyTheHeaderBlockCounts_NotFromLinesInTheBody()
    {
        var check = Read("From: a@helpdesk.local\r\nSubject: x\r\n\r\nFrom: quoted in the body\r\nFrom: again\r\n");

        Assert.Null(check.Problem);
        Assert.Equal(["a@helpdesk.local"], check.Senders);
    }

    [Fact]
    public void AMessageWithNoBody_IsAllHeaderBlock_EvenItsLastLineWithoutCrLf()
    {
        // SmtpServer hands the data without the CRLF of its last line.
        var check = Read("From: a@helpdesk.local\r\nFrom: b@elsewhere.example");

        Assert.StartsWith("The message has 2 From headers", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void BareLineFeedSeparator_EndsTheHeaderBlockToo()
    {
        var check = Read("From: a@helpdesk.local\n\nFrom: b@elsewhere.example\n");

        Assert.Null(check.Problem);
    }
}
