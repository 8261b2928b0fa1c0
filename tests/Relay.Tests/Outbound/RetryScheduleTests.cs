using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Outbound;

namespace Relay.Tests.Outbound;

public sealed class RetryScheduleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    private RetrySchedule Schedule() => new(
        Options.Create(new OutboundOptions { RetryInitialDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromMinutes(30) }), _clock);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(40, 30)]
    public void NextAttempt_WithoutJitter_DoublesUpToTheCap(int failedAttempts, int expectedMinutes)
    {
        // jitter01 = 0.5 is the middle of the ±20 % band, i.e. no jitter.
        Assert.Equal(_clock.GetUtcNow().AddMinutes(expectedMinutes), Schedule().NextAttempt(failedAttempts, 0.5));
    }

    [Fact]
    public void NextAttempt_Jitter_StaysWithinTwentyPercentAndUnderTheCap()
    {
        var schedule = Schedule();
        var now = _clock.GetUtcNow();
        Assert.Equal(192, (schedule.NextAttempt(3, 0) - now).TotalSeconds, precision: 3); // 4 min - 20 %
        Assert.Equal(288, (schedule.NextAttempt(3, 1) - now).TotalSeconds, precision: 3); // 4 min + 20 %
        Assert.Equal(now.AddMinutes(30), schedule.NextAttempt(6, 1));
    }
}
