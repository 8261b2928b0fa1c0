using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Web;

// What the admin API under /api takes and answers, in one place: the relay commands read the same types.

/// <summary><c>GET /api/status</c>: the queue's counts, and each account's authorization and hold.</summary>
/// <param name="DefaultAccount">The account that takes the entries that name none (and the mail no rule routes); null when none does.</param>
internal sealed record RelayStatus(int Queued, int Dead, IReadOnlyList<AccountState> Accounts, string? DefaultAccount)
{
    public static RelayStatus Of(FileSpool spool, Accounts.AccountSet accounts) =>
        new(spool.Count, spool.DeadCount, [.. accounts.All.Select(AccountState.Of)], accounts.Default?.Name);

    /// <summary>The account an entry goes out as; null when it names one that is not configured.</summary>
    public AccountState? For(SpoolEntry entry) =>
        Accounts.FirstOrDefault(account => string.Equals(account.Name, entry.Account ?? DefaultAccount, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One account of the relay as the API shows it: its name, transport, authorization and hold.</summary>
internal sealed record AccountState(string Name, string Transport, TokenStatus Token, GateState Delivery)
{
    public static AccountState Of(Accounts.RelayAccount account) => new(account.Name, account.Settings.Transport.ToString(), account.Tokens.Status, account.Gate.State);
}

/// <summary><c>POST /api/authorize/start</c>.</summary>
/// <param name="Replace">The operator confirms beforehand that another account may replace the authorized one (<c>relay authorize --replace</c>).</param>
/// <param name="Account">The relay's account to authorize (<c>relay authorize --account</c>); none: the default account.</param>
internal sealed record ClientInput(string? ClientId, string? ClientSecret, bool Replace = false, string? Account = null);

/// <summary><c>POST /api/authorize/complete</c>: the address Google sent the browser back to.</summary>
internal sealed record PastedUrl(string Url);

/// <summary><c>GET /api/queue/{id}</c>: the envelope and the message's headers.</summary>
internal sealed record QueueEntryDetail(SpoolEntry Entry, IReadOnlyList<string> Headers);

/// <summary><c>POST /api/queue/retry-dead</c>.</summary>
internal sealed record RetriedCount(int Count);

/// <summary><c>POST /api/account/revoke</c>: what became of the authorization, in the provider's words.</summary>
internal sealed record RevokeResult(string Message);
