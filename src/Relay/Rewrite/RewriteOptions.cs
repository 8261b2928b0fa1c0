namespace Relay.Rewrite;

/// <summary><c>Relay:Account</c>: the Google account mail goes out as.</summary>
internal sealed class AccountOptions
{
    public const string Section = "Relay:Account";

    /// <summary>The authorized Google account; header From and envelope MAIL FROM become this address.</summary>
    public string? Address { get; set; }

    /// <summary>Verified Gmail "send mail as" aliases: a From with one of these is left as it is.</summary>
    public List<string> Aliases { get; set; } = [];
}

/// <summary><c>Relay:Rewrite</c>: how a message is made acceptable to Gmail.</summary>
internal sealed class RewriteOptions
{
    public const string Section = "Relay:Rewrite";

    /// <summary>When a rewritten message has no Reply-To, the original From goes there, so replies still reach the sender.</summary>
    public bool AddReplyTo { get; set; } = true;
}
