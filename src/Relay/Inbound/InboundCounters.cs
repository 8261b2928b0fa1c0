namespace Relay.Inbound;

/// <summary>What Inbound tells whoever counts (the metrics), without depending on them.</summary>
internal sealed class InboundCounters
{
    public event Action? MessageAccepted;

    public void Accepted() => MessageAccepted?.Invoke();
}
