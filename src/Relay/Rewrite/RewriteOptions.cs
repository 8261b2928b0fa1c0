namespace Relay.Rewrite;

/// <summary><c>Relay:Rewrite</c>: how a message is made acceptable to Gmail.</summary>
internal sealed class RewriteOptions
{
    public const string Section = "Relay:Rewrite";

    /// <summary>When a rewritten message has no Reply-To, the original From goes there, so replies still reach the sender.</summary>
    public bool AddReplyTo { get; set; } = true;
}
