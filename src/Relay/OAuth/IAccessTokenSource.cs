namespace Relay.OAuth;

/// <summary>Access tokens for one account of the relay, shared by every delivery in flight for it.</summary>
internal interface IAccessTokenSource
{
    /// <summary>Reads what the source needs from disk (the token store, a service account's key); at start, once.</summary>
    void Load();

    /// <summary>The account the tokens are for, or null while no account is authorized.</summary>
    string? Account { get; }

    /// <summary>Raised when an account is authorized, replaced or forgotten.</summary>
    event Action? Changed;

    /// <summary>A token with at least a minute left, refreshed when needed (one refresh at a time).</summary>
    Task<string> GetAccessTokenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The upstream refused <paramref name="rejectedToken"/>: returns a newer token, refreshing once however many
    /// deliveries report the same rejected token.
    /// </summary>
    Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken);

    /// <summary>Refreshes now, whatever the current token's age (the weekly keep-alive, <c>relay check</c>); returns the new access token.</summary>
    Task<string> RefreshNowAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True when a person authorizes this source in a browser (and may revoke it); false when it comes from configuration
    /// alone (a service account), which the relay cannot revoke.
    /// </summary>
    bool Authorizable { get; }

    /// <summary>
    /// Revokes the authorization at its provider where the provider allows it (Google) and forgets it (Microsoft offers
    /// apps no revocation: forgotten only); nothing to do when none is stored.
    /// </summary>
    Task RevokeAsync(CancellationToken cancellationToken);

    /// <summary>What the status page and the health checks show.</summary>
    TokenStatus Status { get; }

    /// <summary>What an operator does when the upstream keeps refusing this source's tokens: the fix for this mode of authorization.</summary>
    string Remedy { get; }
}

/// <summary>The state of the account's authorization; no secret in it.</summary>
internal sealed record TokenStatus(
    string? Account,
    string Source,
    DateTimeOffset? AuthorizedAt,
    DateTimeOffset? LastRefreshAt,
    DateTimeOffset? AccessTokenExpiresAt,
    string? Problem)
{
    public bool Usable => Account is not null && Problem is null;
}
