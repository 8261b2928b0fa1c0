namespace Relay.Accounts;

/// <summary><c>Relay:Account</c>: the single-account configuration, which becomes the account named <c>default</c> (<see cref="EffectiveAccounts"/>).</summary>
internal sealed class AccountOptions
{
    public const string Section = "Relay:Account";

    /// <summary>The authorized Google account; header From and envelope MAIL FROM become this address.</summary>
    public string? Address { get; set; }

    /// <summary>Verified Gmail "send mail as" aliases: a From with one of these is left as it is.</summary>
    public List<string> Aliases { get; set; } = [];
}
