using Relay.OAuth;

namespace Relay.Tests;

/// <summary>A token source that is authorized as <paramref name="account"/> (or not, when null) and hands out a fixed token.</summary>
internal sealed class FixedTokens(string? account) : IAccessTokenSource
{
    public string? Account => account;
    public TokenStatus Status => new(account, "test", null, null, null, null);
    public string Remedy => "authorize again";
    public bool Authorizable => true;

    public event Action? Changed
    {
        add { }
        remove { }
    }

    public void Load()
    {
    }

    public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult("token");
    public Task<string> RefreshRejectedAsync(string rejectedToken, CancellationToken cancellationToken) => Task.FromResult("token");
    public Task<string> RefreshNowAsync(CancellationToken cancellationToken) => Task.FromResult("token");
    public Task RevokeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
