using Relay.Spool;

namespace Relay.Outbound;

/// <summary>Every recorded delivery attempt, as it happens (for the status page and tests).</summary>
internal sealed class DeliveryEvents
{
    public event Action<SpoolEntry, DeliveryOutcome>? Recorded;

    public void Publish(SpoolEntry entry, DeliveryOutcome outcome) => Recorded?.Invoke(entry, outcome);
}
