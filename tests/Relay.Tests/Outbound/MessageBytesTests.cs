using System.Text;
using Relay.Spool;

namespace Relay.Tests.Outbound;

public sealed class MessageBytesTests
{
    [Theory]
    [InlineData("A: 1\r\nB: 2\r\n\r\nbody\r\n", 12, 14)]
    [InlineData("A: 1\n\nbody\n", 5, 6)]
    [InlineData("A: 1\r\n", 6, 6)]
    public void Split_FindsTheEmptyLine(string message, int headerLength, int bodyStart) =>
        Assert.Equal((headerLength, bodyStart), MessageBytes.Split(Encoding.ASCII.GetBytes(message)));

    [Fact]
    public void LongestLine_DoesNotCountTheLineBreak()
    {
        Assert.Equal(998, MessageBytes.LongestLine(Encoding.ASCII.GetBytes("a\r\n" + new string('x', 998) + "\r\nb")));
        Assert.Equal(999, MessageBytes.LongestLine(Encoding.ASCII.GetBytes(new string('x', 999))));
    }

    [Theory]
    [InlineData("Subject: a\rb\r\n", true)]
    [InlineData("Subject: a\r\n", false)]
    [InlineData("Subject: a\r", true)]
    public void BareCarriageReturn_IsFound(string header, bool bare) =>
        Assert.Equal(bare, MessageBytes.HasBareCarriageReturn(Encoding.ASCII.GetBytes(header)));
}
