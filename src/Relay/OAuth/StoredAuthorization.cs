namespace Relay.OAuth;

/// <summary>An authorized account as kept (encrypted) in the data folder.</summary>
internal sealed record StoredAuthorization
{
    public required string Account { get; init; }

    /// <summary>Google's refresh token; empty for a Microsoft account, whose refresh token is in <see cref="TokenCache"/>. Secret.</summary>
    public string RefreshToken { get; init; } = "";

    /// <summary>Microsoft: MSAL's token cache (<c>SerializeMsalV3</c>: refresh, access and ID tokens); null for Google. Secret.</summary>
    public byte[]? TokenCache { get; init; }

    /// <summary>Microsoft: MSAL's home account identifier (object ID and tenant) of the account that consented; null for Google.</summary>
    public string? HomeAccountId { get; init; }

    public required string ClientId { get; init; }

    /// <summary>The client secret when it was entered on the page; null when it comes from configuration. Secret.</summary>
    public string? ClientSecret { get; init; }

    public required DateTimeOffset AuthorizedAt { get; init; }
    public DateTimeOffset? LastRefreshAt { get; init; }

    /// <summary>Why the account must be authorized again (e.g. invalid_grant); null while it works. Kept for diagnosis until replaced.</summary>
    public string? Problem { get; init; }

    /// <summary>The record's text (in a log scope, an assertion message) leaves the refresh token, the client secret and the token cache out.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Account = {Account}, ClientId = {ClientId}, AuthorizedAt = {AuthorizedAt}, LastRefreshAt = {LastRefreshAt}, Problem = {Problem}");
        return true;
    }
}
