namespace Relay.Outbound;

internal enum DeliveryResult
{
    /// <summary>The upstream took the message for every recipient.</summary>
    Delivered,

    /// <summary>The upstream took the message for some recipients and refused the others (see <see cref="DeliveryOutcome.Refused"/>).</summary>
    PartiallyDelivered,

    /// <summary>Temporary: try again later.</summary>
    Deferred,

    /// <summary>Permanent: the upstream refused the message; retrying will not help.</summary>
    Rejected,

    /// <summary>The account's token is refused or cannot be refreshed: hold the queue, no attempt counted.</summary>
    NeedsAuthorization,

    /// <summary>Gmail's sending limit is reached (550 5.4.5, or 421 4.7.0 rate limiting): hold the queue, no attempt counted.</summary>
    QuotaReached,
}

/// <summary>A recipient the upstream did not take, with its reply; temporary unless the code is 5xx and not a quota reply.</summary>
internal sealed record RecipientRefusal(string Address, int Code, string Reply)
{
    public bool IsPermanent => Code >= 500 && !DeliveryClassifier.IsQuotaReply(Code, Reply);

    public override string ToString() => $"{Address}: {Code} {Reply}";
}

/// <summary>The result of one delivery attempt, with the upstream's reply or the reason.</summary>
internal sealed record DeliveryOutcome(DeliveryResult Result, string Reply)
{
    public IReadOnlyList<RecipientRefusal> Refused { get; init; } = [];

    /// <summary>How long the upstream asked to wait before the next try (an HTTP <c>Retry-After</c>); null when it did not say.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// For a hold: what the operator does about it, when it is not what the account's token source says (authorize
    /// again), e.g. turn SMTP AUTH on; null otherwise.
    /// </summary>
    public string? Remedy { get; init; }

    public static DeliveryOutcome Delivered(string reply, IReadOnlyList<RecipientRefusal> refused) =>
        new(refused.Count == 0 ? DeliveryResult.Delivered : DeliveryResult.PartiallyDelivered, reply) { Refused = refused };

    public static DeliveryOutcome Deferred(string reason) => new(DeliveryResult.Deferred, reason);
    public static DeliveryOutcome Rejected(string reason) => new(DeliveryResult.Rejected, reason);
    public static DeliveryOutcome NeedsAuthorization(string reason) => new(DeliveryResult.NeedsAuthorization, reason);
    public static DeliveryOutcome QuotaReached(string reason) => new(DeliveryResult.QuotaReached, reason);
}
