using Google.Apis.Util;

namespace Relay.OAuth;

/// <summary>Lets Google.Apis.Auth read the relay's <see cref="TimeProvider"/>, so token expiry follows a fake clock in tests.</summary>
internal sealed class TimeProviderClock(TimeProvider time) : IClock
{
    public DateTime Now => time.GetLocalNow().DateTime;
    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
}
