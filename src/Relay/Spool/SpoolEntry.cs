namespace Relay.Spool;

/// <summary>
/// The envelope record kept beside each spooled message: everything the delivery worker needs
/// except the message bytes, which stay untouched in their own file.
/// </summary>
internal sealed record SpoolEntry
{
    public required string Id { get; init; }

    /// <summary>The envelope sender as the client gave it; null for the null sender <c>&lt;&gt;</c>.</summary>
    public string? MailFrom { get; init; }

    /// <summary>Every envelope recipient, Bcc included.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    public string? ClientAddress { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public long Size { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public SpoolState State { get; init; } = SpoolState.Queued;
}

internal enum SpoolState
{
    Queued,
    Deferred,
    Dead,
}
