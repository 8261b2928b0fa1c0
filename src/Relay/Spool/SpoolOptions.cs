namespace Relay.Spool;

internal sealed class SpoolOptions
{
    public const string Section = "Relay:Spool";

    /// <summary>What happens to a delivered message: deleted, or kept under <c>spool/delivered</c>.</summary>
    public DeliveredMessages Delivered { get; set; } = DeliveredMessages.Delete;
}

internal enum DeliveredMessages
{
    Delete,
    Archive,
}
