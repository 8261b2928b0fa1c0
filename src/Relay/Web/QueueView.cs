using Relay.Outbound;
using Relay.Spool;

namespace Relay.Web;

/// <summary>What an operator sees of a message's state: one vocabulary for the pages, the API and <c>relay queue</c>.</summary>
internal enum QueueState
{
    /// <summary>Waiting for its first attempt.</summary>
    Queued,

    /// <summary>Tried, and waiting for its next attempt.</summary>
    Deferred,

    /// <summary>Waiting because its account's mail is held (no authorization, token refused, sending limit, account not configured).</summary>
    Held,

    /// <summary>Refused for good or expired: in the dead letters until retried or deleted.</summary>
    Dead,
}

/// <summary>A spool entry as an operator sees it: the account it goes out as, its state and, in words, what happens next.</summary>
internal sealed record QueueItem(SpoolEntry Entry, string Account, QueueState State, string Next)
{
    /// <param name="account">The entry's account (<see cref="RelayStatus.For"/>); null when it names one that is not configured.</param>
    public static QueueItem Of(SpoolEntry entry, AccountState? account, TimeProvider time)
    {
        // An entry that names no account was queued before several accounts: it belongs to the default account, if any.
        var name = account?.Name ?? entry.Account ?? NoAccount;
        if (entry.State == SpoolState.Dead)
        {
            return new QueueItem(entry, name, QueueState.Dead, "nothing: retry or delete it");
        }

        if (account is null)
        {
            return new QueueItem(entry, name, QueueState.Held, entry.Account is null
                ? "waiting: it names no account (queued before several accounts) and Relay:Routing:Default names none to send it"
                : $"waiting: its account '{name}' is not configured");
        }

        if (account.Token.Account is null)
        {
            return new QueueItem(entry, name, QueueState.Held, "waiting for an account to be authorized");
        }

        var gate = account.Delivery;
        if (gate.Reason != HoldReason.None)
        {
            var until = gate.NextTryAt is { } next ? $" until {next:yyyy-MM-dd HH:mm} UTC" : string.Empty;
            return new QueueItem(entry, name, QueueState.Held, $"held{until} ({(gate.Reason == HoldReason.Quota ? "sending limit reached" : "the account needs authorizing again")})");
        }

        var due = entry.NextAttemptAt <= time.GetUtcNow() ? "now" : $"{entry.NextAttemptAt:yyyy-MM-dd HH:mm:ss} UTC";
        return new QueueItem(entry, name, entry.Attempts == 0 ? QueueState.Queued : QueueState.Deferred, due);
    }

    /// <summary>What the account column shows for an entry that names no account when no default account takes it.</summary>
    public const string NoAccount = "(default)";

    /// <summary>Every entry, oldest first, with its state; from memory (no envelope is read from disk).</summary>
    public static IReadOnlyList<QueueItem> All(FileSpool spool, Accounts.AccountSet accounts, TimeProvider time)
    {
        var status = RelayStatus.Of(spool, accounts);
        return [.. spool.List().Select(entry => Of(entry, status.For(entry), time))];
    }
}
