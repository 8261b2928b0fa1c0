using Microsoft.Extensions.Options;
using Relay.Inbound;

namespace Relay.Tests.Inbound;

public sealed class MessageMemoryTests
{
    private static MessageMemory Budget(long budget, int maxMessageSize) =>
        new(Options.Create(new InboundOptions { MessageMemory = budget, MaxMessageSize = maxMessageSize }));

    [Fact]
    public void Holds_AddUp_AndWhatDoesNotFitIsRefused_UntilAnotherIsReleased()
    {
        var memory = Budget(1000, 600);
        var a = memory.NewHold();
        var b = memory.NewHold();

        Assert.True(a.TryStart(600));
        Assert.False(b.TryStart(500));
        Assert.Equal(0, b.Held);
        Assert.True(b.TryStart(400));
        Assert.Equal(1000, memory.InUse);

        a.Release();
        Assert.True(b.TryGrow(900));
        Assert.Equal(900, memory.InUse);
    }

    [Fact]
    public void Growing_DoublesUpToTheLargestMessage_AndFailsWhenTheBudgetIsSpent()
    {
        var memory = Budget(1000, 600);
        var a = memory.NewHold();
        var b = memory.NewHold();
        Assert.True(a.TryStart(100));
        Assert.True(b.TryStart(300));

        Assert.True(a.TryGrow(150));
        Assert.Equal(200, a.Held); // doubled, so that a message arriving in small reads takes the lock a few times only
        Assert.True(a.TryGrow(650));
        Assert.Equal(650, a.Held);
        Assert.False(b.TryGrow(400));
        Assert.Equal(300, b.Held);
    }

    [Fact]
    public void OneMessageAlone_AlwaysFits()
    {
        var memory = Budget(1000, 1000);
        var a = memory.NewHold();
        Assert.True(a.TryStart(10));
        Assert.True(a.TryGrow(5000)); // bigger than the budget: SmtpServer's size limit refuses it, not a lack of memory

        a.Release();
        Assert.Equal(0, memory.InUse);
    }

    [Fact]
    public void LargeMessagesWorthHalfTheBudget_AskForAFullCollection_SmallOnesNever()
    {
        var memory = Budget(10_000_000, 5_000_000);
        var hold = memory.NewHold();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(hold.TryStart(MessageMemory.FirstHold)); // a small message: its buffer dies young
            hold.Release();
        }

        Assert.Equal(0, memory.Collections);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(hold.TryStart(2_000_000));
            hold.Release();
        }

        Assert.Equal(1, memory.Collections); // 6 MB of large messages gone: past half the budget once
    }
}
