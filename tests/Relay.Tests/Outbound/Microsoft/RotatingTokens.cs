using Relay.OAuth;

namespace Relay.Tests.Outbound.Microsoft;

/// <summary>
/// A token source authorized as <paramref name="account"/> whose current token is <see cref="Current"/>; a refresh
/// (after a refused token) hands out <see cref="AfterRefresh"/> and counts itself.
/// </summary>
internal sealed class RotatingTokens(string account, string current = "token-1") : IAccessTokenSource
{
    private int _refreshes;

    public string Current { get; set; } = current;

    public string AfterRefresh { get; set; } = "token-2";

    public int Refreshes => Volatile.Read(ref _refreshes);

    public string? Account => account;
    public TokenStatus Status => new(account, "test", null, null, null, null);
    public string Remedy => "authorize the account again";
    public bool Authorizable => true;

    public event Action? Changed
    {
        add { }
        remove { }
    }

    public void Load()
    {
    }

    public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult(Current);

    public Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _refreshes);
        Current = AfterRefresh;
        return Task.FromResult(Current);
    }

    public Task<string> RefreshNowAsync(CancellationToken cancellationToken) => RefreshRejectedAsync(Current, cancellationToken);
    public Task RevokeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
