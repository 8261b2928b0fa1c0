namespace Relay.Outbound;

internal enum DeliveryResult
{
    Delivered,

    /// <summary>Temporary: try again later.</summary>
    Deferred,

    /// <summary>Permanent: the upstream refused the message; retrying will not help.</summary>
    Rejected,

    /// <summary>The account's token is refused or cannot be refreshed: hold the queue, no attempt counted.</summary>
    NeedsAuthorization,
}

/// <summary>The result of one delivery attempt, with the upstream's reply or the reason.</summary>
internal sealed record DeliveryOutcome(DeliveryResult Result, string Reply)
{
    public static DeliveryOutcome Delivered(string reply) => new(DeliveryResult.Delivered, reply);
    public static DeliveryOutcome Deferred(string reason) => new(DeliveryResult.Deferred, reason);
    public static DeliveryOutcome Rejected(string reason) => new(DeliveryResult.Rejected, reason);
    public static DeliveryOutcome NeedsAuthorization(string reason) => new(DeliveryResult.NeedsAuthorization, reason);
}
