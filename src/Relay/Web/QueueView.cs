using Relay.OAuth;
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

    /// <summary>Waiting because the whole queue is held (no account, token refused, sending limit).</summary>
    Held,

    /// <summary>Refused for good or expired: in the dead letters until retried or deleted.</summary>
    Dead,
}

/// <summary>A spool entry as an operator sees it: its state and, in words, what happens next.</summary>
internal sealed record QueueItem(SpoolEntry Entry, QueueState State, string Next)
{
    public static QueueItem Of(SpoolEntry entry, GateState gate, bool hasAccount, TimeProvider time)
    {
        if (entry.State == SpoolState.Dead)
        {
            return new QueueItem(entry, QueueState.Dead, "nothing: retry or delete it");
        }

        if (!hasAccount)
        {
            return new QueueItem(entry, QueueState.Held, "waiting for an account to be authorized");
        }

        if (gate.Reason != HoldReason.None)
        {
            var until = gate.NextTryAt is { } next ? $" until {next:yyyy-MM-dd HH:mm} UTC" : string.Empty;
            return new QueueItem(entry, QueueState.Held, $"held{until} ({(gate.Reason == HoldReason.Quota ? "sending limit reached" : "the account needs authorizing again")})");
        }

        var due = entry.NextAttemptAt <= time.GetUtcNow() ? "now" : $"{entry.NextAttemptAt:yyyy-MM-dd HH:mm:ss} UTC";
        return new QueueItem(entry, entry.Attempts == 0 ? QueueState.Queued : QueueState.Deferred, due);
    }

    /// <summary>Every entry, oldest first, with its state; from memory (no envelope is read from disk).</summary>
    public static IReadOnlyList<QueueItem> All(FileSpool spool, DeliveryGate gate, IAccessTokenSource tokens, TimeProvider time)
    {
        var state = gate.State;
        var hasAccount = tokens.Account is not null;
        return [.. spool.List().Select(entry => Of(entry, state, hasAccount, time))];
    }
}
