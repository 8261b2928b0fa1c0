namespace Relay.Outbound.Graph;

/// <summary>Microsoft Graph's limits for <c>sendMail</c> with a MIME body.</summary>
internal static class GraphLimits
{
    /// <summary>Graph takes at most 4 MB in one request.</summary>
    public const long MaxRequestBytes = 4 * 1024 * 1024;

    /// <summary>The largest MIME message whose base64 fits in one request: 4,194,304 × 3 / 4 = 3,145,728 bytes.</summary>
    public const long MaxMessageBytes = MaxRequestBytes / 4 * 3;

    /// <summary>Graph throttles a mailbox beyond 4 concurrent requests.</summary>
    public const int MaxConcurrentRequests = 4;
}
