using Relay.Accounts;

namespace Relay.OAuth;

/// <summary>
/// Keeps each account's authorization alive without anyone looking: a refresh at least weekly (Google drops refresh tokens unused
/// for six months), and from day 5 to day 7 after an authorization a daily reminder that a consent screen left in
/// Testing kills the token on day 7.
/// </summary>
internal sealed class TokenHealth(AccountSet accounts, TimeProvider time, ILogger<TokenHealth> logger) : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromHours(12);
    public static readonly TimeSpan KeepAliveAge = TimeSpan.FromDays(6);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first check comes one interval after start: at start the deliveries get a token anyway, and a refresh
        // forced alongside theirs would only be a second one.
        using var timer = new PeriodicTimer(CheckInterval, time);
        while (await WaitAsync(timer, stoppingToken))
        {
            await CheckAsync(stoppingToken);
        }
    }

    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        foreach (var account in accounts.All)
        {
            await CheckAsync(account, cancellationToken);
        }
    }

    private async Task CheckAsync(RelayAccount account, CancellationToken cancellationToken)
    {
        var tokens = account.Tokens;
        var status = tokens.Status;
        if (status.Account is null || !tokens.Authorizable)
        {
            return;
        }

        if (TestingWarning(account, time) is { } warning)
        {
            OAuthLog.TestingWarning(logger, warning);
        }

        if (status.LastRefreshAt is { } last && time.GetUtcNow() - last < KeepAliveAge)
        {
            return;
        }

        try
        {
            await tokens.RefreshNowAsync(cancellationToken);
            OAuthLog.KeepAlive(logger, status.Account);
        }
        catch (Exception ex) when (ex is AuthorizationRequiredException or TokenRefreshException or HttpRequestException)
        {
            OAuthLog.KeepAliveFailed(logger, status.Account, ex.Message);
        }
    }

    /// <summary>
    /// The Testing-screen warning for <paramref name="account"/>: only a Google account a person authorized has one (a
    /// Microsoft refresh token lasts 90 days unused, which the keep-alive covers; a service account has no consent screen).
    /// </summary>
    public static string? TestingWarning(RelayAccount account, TimeProvider time) =>
        account.Settings.IsMicrosoft || !account.Tokens.Authorizable ? null : TestingWarning(account.Tokens.Status, time);

    /// <summary>From day 5 to day 7 after an authorization made here: the warning for consent screens left in Testing.</summary>
    public static string? TestingWarning(TokenStatus status, TimeProvider time)
    {
        if (status is not { AuthorizedAt: { } at, Problem: null })
        {
            return null;
        }

        var age = time.GetUtcNow() - at;
        return age >= TimeSpan.FromDays(5) && age < TimeSpan.FromDays(7)
            ? $"{status.Account} was authorized {(int)age.TotalDays} days ago. If the app's consent screen is still in Testing, Google ends this " +
              $"authorization on {at.AddDays(7):yyyy-MM-dd HH:mm} UTC: publish the app (In production, or Internal in Workspace) and authorize again before then. " +
              "If it is published, ignore this."
            : null;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
