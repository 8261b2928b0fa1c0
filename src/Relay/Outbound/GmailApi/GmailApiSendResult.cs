namespace Relay.Outbound.GmailApi;

/// <summary>
/// One send through the Gmail API: the outcome in the delivery vocabulary, the id Gmail gave the message (when taken),
/// and how long Google asked to wait (Retry-After, on a quota or rate answer).
/// </summary>
internal sealed record GmailApiSendResult(DeliveryOutcome Outcome, string? GmailId = null, TimeSpan? RetryAfter = null);
