using Relay.Accounts;

namespace Relay.OAuth;

/// <summary>
/// The provider's half of a browser authorization (Google, Microsoft): the consent address, the code exchange, its
/// sentences, and where a new authorization is kept. <see cref="AuthorizationFlow"/> holds the rest (states, owners,
/// paste-back, the replacement confirmation), the same for every provider.
/// </summary>
internal interface IAuthorizationProvider
{
    /// <summary>"Google" or "Microsoft", as the sentences of the flow name the provider.</summary>
    string Name { get; }

    /// <summary>The account of the relay this authorization is for.</summary>
    Account Settings { get; }

    /// <summary>The account authorized now, or null.</summary>
    string? Account { get; }

    /// <summary>The client id and secret for a new authorization: those entered on the page last time, else configuration.</summary>
    (string? ClientId, string? ClientSecret) Client { get; }

    /// <summary>
    /// What becomes of an authorization the relay no longer wants, after "is then …" / "was …": "revoked at Google", or
    /// for Microsoft (which has no revocation endpoint for an app) "forgotten by the relay" and where the person removes the consent.
    /// </summary>
    string RevokedWords { get; }

    /// <summary>Where to send the browser, with PKCE (S256) and <paramref name="state"/>; and the code verifier to keep until the code comes back.</summary>
    Task<(string Url, string CodeVerifier)> AuthorizationUrlAsync(string redirectUri, string clientId, string clientSecret, string state, CancellationToken cancellationToken);

    /// <summary>The sentence for an <c>error</c> the provider sent back instead of a code.</summary>
    string DescribeError(IReadOnlyDictionary<string, string> query);

    /// <summary>Exchanges the code; the authorization to keep (its account from the ID token), or the sentence that says why not.</summary>
    Task<CodeExchange> ExchangeAsync(CodeRequest request, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="authorization"/> (encrypted) and uses it from now on; returns the one it replaced.</summary>
    Task<StoredAuthorization?> ReplaceAsync(StoredAuthorization authorization, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes an authorization no longer wanted at the provider: true when revoked, false when the provider refused;
    /// null when the provider has no way to (Microsoft): the relay only forgets it.
    /// </summary>
    Task<bool?> RevokeAsync(StoredAuthorization authorization, CancellationToken cancellationToken);
}

/// <summary>A code to exchange, with what its flow kept: the PKCE verifier, the redirect address, the client.</summary>
internal sealed record CodeRequest(string Code, string CodeVerifier, string RedirectUri, string ClientId, string ClientSecret, bool KeepSecret)
{
    /// <summary>The code, its verifier and the client secret stay out of the record's text (a log line, an exception).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"RedirectUri = {RedirectUri}, ClientId = {ClientId}, KeepSecret = {KeepSecret}");
        return true;
    }
}

/// <summary>The authorization a code gave (<see cref="Authorization"/>), or why none (<see cref="Failure"/>).</summary>
internal sealed record CodeExchange(StoredAuthorization? Authorization, string? Failure)
{
    public static CodeExchange Failed(string message) => new(null, message);
}
