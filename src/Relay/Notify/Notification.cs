namespace Relay.Notify;

/// <summary>The conditions an operator is told about; each is told at most once per <see cref="NotifyWatcher.RepeatAfter"/>.</summary>
internal enum NotificationKind
{
    /// <summary>Delivery has been held longer than <see cref="NotifyOptions.HeldAfter"/> (token refused, sending limit).</summary>
    Held,

    /// <summary>The account's authorization is no longer usable: someone must authorize it again.</summary>
    Reauthorize,

    /// <summary>Days 5 to 7 after an authorization: a consent screen left in Testing ends it on day 7.</summary>
    TestingLimit,

    /// <summary>Messages went to the dead letters since the last digest.</summary>
    DeadLetters,
}

/// <summary>One dead letter as the digest lists it.</summary>
internal sealed record DeadLetterNote(string Id, string? From, IReadOnlyList<string> Recipients, string Reason, DateTimeOffset At);

/// <summary>One thing to tell: a short text for the e-mail, and the same facts as fields for the webhook's JSON.</summary>
internal sealed record Notification(NotificationKind Kind, DateTimeOffset At, string? Account, string Subject, string Text)
{
    public string? HoldReason { get; init; }
    public DateTimeOffset? HeldSince { get; init; }
    public int? Queued { get; init; }
    public IReadOnlyList<DeadLetterNote>? DeadLetters { get; init; }
}
