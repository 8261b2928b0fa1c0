namespace Relay.Outbound;

/// <summary>The upstream refused every recipient of a message.</summary>
internal sealed class RecipientsRefusedException(IReadOnlyList<RecipientRefusal> refusals)
    : Exception("Every recipient was refused: " + string.Join("; ", refusals))
{
    public IReadOnlyList<RecipientRefusal> Refusals { get; } = refusals;
}
