using Microsoft.Extensions.Options;

namespace Relay.Outbound;

/// <summary>When to try a deferred message again: exponential backoff with ±20 % jitter, capped.</summary>
internal sealed class RetrySchedule(IOptions<OutboundOptions> options, TimeProvider time)
{
    private readonly OutboundOptions _options = options.Value;

    /// <summary>The due time after the <paramref name="failedAttempts"/>-th failed attempt (1 for the first).</summary>
    public DateTimeOffset NextAttempt(int failedAttempts, double jitter01)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var delay = _options.RetryInitialDelay * Math.Pow(2, exponent);
        var jittered = delay * (0.8 + (0.4 * jitter01));
        var capped = jittered > _options.RetryMaxDelay ? _options.RetryMaxDelay : jittered;
        return time.GetUtcNow() + capped;
    }

    public DateTimeOffset NextAttempt(int failedAttempts) => NextAttempt(failedAttempts, Random.Shared.NextDouble());
}
