namespace Relay.Outbound;

/// <summary>The upstream refused the account's token, even a freshly refreshed one.</summary>
internal sealed class UpstreamAuthenticationException(string message) : Exception(message);
