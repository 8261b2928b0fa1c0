using Relay.Spool;

namespace Relay.Outbound;

/// <summary>One recorded delivery attempt, as the status page lists it.</summary>
internal sealed record DeliveryRecord(DateTimeOffset At, string SpoolId, string? Account, int Recipients, DeliveryResult Result, string Reply);

/// <summary>Every recorded delivery attempt, as it happens (for tests), and the last few (for the status page).</summary>
internal sealed class DeliveryEvents(TimeProvider time)
{
    public const int RecentCount = 20;
    private readonly Queue<DeliveryRecord> _recent = new();

    public event Action<SpoolEntry, DeliveryOutcome>? Recorded;

    /// <summary>The last <see cref="RecentCount"/> attempts, newest first.</summary>
    public IReadOnlyList<DeliveryRecord> Recent
    {
        get
        {
            lock (_recent)
            {
                return [.. _recent.Reverse()];
            }
        }
    }

    public void Publish(SpoolEntry entry, DeliveryOutcome outcome)
    {
        lock (_recent)
        {
            _recent.Enqueue(new DeliveryRecord(time.GetUtcNow(), entry.Id, entry.Account, entry.Recipients.Count, outcome.Result, outcome.Reply));
            while (_recent.Count > RecentCount)
            {
                _recent.Dequeue();
            }
        }

        Recorded?.Invoke(entry, outcome);
    }
}
