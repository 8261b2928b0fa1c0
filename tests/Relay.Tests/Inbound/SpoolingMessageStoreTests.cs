using Relay.Inbound;

namespace Relay.Tests.Inbound;

public sealed class SpoolingMessageStoreTests
{
    [Fact]
    public void FailureReply_DiskFull_Is452()
    {
        // What .NET throws on Linux when a write meets ENOSPC (seen on a full tmpfs): HResult 28.
        var reply = SpoolingMessageStore.FailureReply(new IOException("No space left on device : '/data/spool/incoming/x.eml'", 28));

        Assert.Equal(452, (int)reply.ReplyCode);
        Assert.StartsWith("4.3.1", reply.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FailureReply_OtherErrors_Are451()
    {
        Assert.Equal(451, (int)SpoolingMessageStore.FailureReply(new UnauthorizedAccessException("denied")).ReplyCode);
        Assert.Equal(451, (int)SpoolingMessageStore.FailureReply(new IOException("I/O error", 5)).ReplyCode);
    }
}
