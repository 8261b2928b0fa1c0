using System.Buffers;
using System.Text;
using Relay.Inbound;

namespace Relay.Tests.Inbound;

public sealed class BareLineFeedDotsTests
{
    [Theory]
    [InlineData("Subject: a\n\n..dot\n...two\nend", "Subject: a\n\n.dot\n..two\nend")]
    [InlineData("Subject: a\r\n\r\n..kept: SmtpServer already undid CRLF stuffing\r\n", "Subject: a\r\n\r\n..kept: SmtpServer already undid CRLF stuffing\r\n")]
    [InlineData("Subject: a\n\na.b..c\n.\n", "Subject: a\n\na.b..c\n.\n")]
    [InlineData("Subject: a\n\n..\nlast", "Subject: a\n\n.\nlast")]
    [InlineData("Subject: a\n\n..\n..\n...z\r\n..crlf\n..w", "Subject: a\n\n.\n.\n..z\r\n..crlf\n.w")]
    public void TheStuffingDotOfABareLfLine_IsRemoved_AndNothingElse(string received, string stored)
    {
        var bytes = Encoding.ASCII.GetBytes(received);
        // In pieces, as the pipe hands it over: a stuffed line may start in one segment and go on in the next.
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var result = BareLineFeedDots.Unstuff(Segments(bytes, cut));
            Assert.Equal(stored, Encoding.ASCII.GetString(result.ToArray()));
        }
    }

    [Fact]
    public void AMessageWithNothingToUndo_IsTheSameSequence_NotACopy()
    {
        var message = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("Subject: a\r\n\r\n..x\r\nbody\n"));

        Assert.Equal(message, BareLineFeedDots.Unstuff(message));
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int cut)
    {
        var first = new Segment(bytes.AsMemory(0, cut), 0);
        var last = first.Append(bytes.AsMemory(cut));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
