using Relay.Outbound;

namespace Relay.Spool;

/// <summary>
/// The envelope record kept beside each spooled message: everything the delivery worker needs
/// except the message bytes, which stay untouched in their own file.
/// </summary>
internal sealed record SpoolEntry
{
    public const int HistoryLength = 20;

    public required string Id { get; init; }

    /// <summary>The envelope sender as the client gave it; null for the null sender <c>&lt;&gt;</c>.</summary>
    public string? MailFrom { get; init; }

    /// <summary>Every envelope recipient, Bcc included.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    public string? ClientAddress { get; init; }

    /// <summary>
    /// The name of the relay account the message goes out as, chosen by routing when it was accepted; null in entries
    /// written before several accounts, which belong to the default account.
    /// </summary>
    public string? Account { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>When the entry (re)entered the queue: at receipt, or when an operator retried it. The maximum age counts from here.</summary>
    public DateTimeOffset QueuedAt { get; init; }

    public long Size { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public SpoolState State { get; init; } = SpoolState.Queued;

    /// <summary>A message the relay wrote itself to tell the operator (Relay:Notify): its own failure never notifies.</summary>
    public bool Notification { get; init; }

    /// <summary>The last <see cref="HistoryLength"/> attempts, oldest first.</summary>
    public IReadOnlyList<SpoolAttempt> History { get; init; } = [];

    /// <summary>This entry with one more attempt recorded.</summary>
    public SpoolEntry WithAttempt(DateTimeOffset at, DeliveryResult result, string reply) => this with
    {
        Attempts = Attempts + 1,
        History = [.. History.TakeLast(HistoryLength - 1), new SpoolAttempt(at, result, reply)],
    };
}

/// <summary>One delivery attempt: when, what came of it (in the delivery's own words), and the upstream's reply or the reason.</summary>
internal sealed record SpoolAttempt(DateTimeOffset At, DeliveryResult Result, string Reply);

/// <summary>Where an entry is: waiting for its first attempt, waiting after a failed one, or out of the queue for good.</summary>
internal enum SpoolState
{
    Queued,
    Deferred,
    Dead,
}
