namespace Relay.OAuth.Microsoft;

/// <summary>
/// Access tokens for one resource (Exchange Online SMTP, or Graph) of a Microsoft account a person authorized; a Graph
/// account whose large messages go by SMTP has a second source for SMTP on the same <see cref="MicrosoftSignIn"/>.
/// </summary>
internal sealed class MicrosoftAccessTokenSource(MicrosoftSignIn signIn, string scope) : IAccessTokenSource
{
    public void Load() => signIn.Load();

    public string? Account => signIn.Account;

    public event Action? Changed
    {
        add => signIn.Changed += value;
        remove => signIn.Changed -= value;
    }

    public bool Authorizable => true;

    public TokenStatus Status => signIn.Status;

    public string Remedy => signIn.Remedy;

    public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken) => signIn.TokenAsync(scope, force: false, rejected: null, cancellationToken);

    public Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken) => signIn.TokenAsync(scope, force: false, rejectedToken, cancellationToken);

    public Task<string> RefreshNowAsync(CancellationToken cancellationToken) => signIn.TokenAsync(scope, force: true, rejected: null, cancellationToken);

    /// <summary>Microsoft has no endpoint for an app to revoke its refresh token: the relay forgets it (the page and the CLI say where to remove the consent).</summary>
    public Task RevokeAsync(CancellationToken cancellationToken) => signIn.ForgetAsync(cancellationToken);
}
