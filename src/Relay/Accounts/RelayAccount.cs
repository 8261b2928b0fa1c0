using Relay.OAuth;
using Relay.Outbound;

namespace Relay.Accounts;

/// <summary>
/// One account of the relay at run time: its settings and everything that is per account, the token source (and, for
/// an account a person authorizes, its authorization flow), the hold of its messages and its sending quota.
/// </summary>
internal sealed class RelayAccount(Account settings, IAccessTokenSource tokens, AuthorizationFlow? flow, DeliveryGate gate, QuotaGuard quota, IAccessTokenSource? smtpTokens = null)
{
    public Account Settings { get; } = settings;

    public string Name => Settings.Name;

    public IAccessTokenSource Tokens { get; } = tokens;

    /// <summary>The browser authorization of this account; null for a service account, which needs none.</summary>
    public AuthorizationFlow? Flow { get; } = flow;

    /// <summary>Holds this account's messages (and no other's) while it cannot send.</summary>
    public DeliveryGate Gate { get; } = gate;

    public QuotaGuard Quota { get; } = quota;

    /// <summary>
    /// A Microsoft Graph account with <see cref="Account.LargeMessagesBySmtp"/>: tokens for smtp.office365.com (another
    /// resource than Graph's), from the same authorization; null for every other account.
    /// </summary>
    public IAccessTokenSource? SmtpTokens { get; } = smtpTokens;
}
