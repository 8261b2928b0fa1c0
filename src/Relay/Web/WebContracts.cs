using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Web;

// What the admin API under /api takes and answers, in one place: the relay commands read the same types.

/// <summary><c>GET /api/status</c>: the account's authorization, the queue's counts and the delivery gate.</summary>
internal sealed record RelayStatus(TokenStatus Token, int Queued, int Dead, GateState Delivery);

/// <summary><c>POST /api/authorize/start</c>.</summary>
/// <param name="Replace">The operator confirms beforehand that another account may replace the authorized one (<c>relay authorize --replace</c>).</param>
internal sealed record ClientInput(string? ClientId, string? ClientSecret, bool Replace = false);

/// <summary><c>POST /api/authorize/complete</c>: the address Google sent the browser back to.</summary>
internal sealed record PastedUrl(string Url);

/// <summary><c>GET /api/queue/{id}</c>: the envelope and the message's headers.</summary>
internal sealed record QueueEntryDetail(SpoolEntry Entry, IReadOnlyList<string> Headers);

/// <summary><c>POST /api/queue/retry-dead</c>.</summary>
internal sealed record RetriedCount(int Count);
