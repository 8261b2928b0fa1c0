namespace Relay.Outbound.Graph;

/// <summary>One <c>sendMail</c>: the outcome in the delivery vocabulary, and Graph's status when it took the message (202).</summary>
internal sealed record GraphSendResult(DeliveryOutcome Outcome, int? AcceptedStatus = null);
