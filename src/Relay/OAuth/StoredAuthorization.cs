namespace Relay.OAuth;

/// <summary>An authorized account as kept (encrypted) in the data folder.</summary>
internal sealed record StoredAuthorization
{
    public required string Account { get; init; }

    /// <summary>Secret.</summary>
    public required string RefreshToken { get; init; }

    public required string ClientId { get; init; }

    /// <summary>The client secret when it was entered on the page; null when it comes from configuration. Secret.</summary>
    public string? ClientSecret { get; init; }

    public required DateTimeOffset AuthorizedAt { get; init; }
    public DateTimeOffset? LastRefreshAt { get; init; }

    /// <summary>Why the account must be authorized again (e.g. invalid_grant); null while it works. Kept for diagnosis until replaced.</summary>
    public string? Problem { get; init; }
}
