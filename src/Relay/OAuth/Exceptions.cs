namespace Relay.OAuth;

/// <summary>The account has to be authorized (again) before mail can go out: retrying will not help.</summary>
internal sealed class AuthorizationRequiredException(string message) : Exception(message);

/// <summary>A refresh failed for a reason that may pass (network, Google 5xx).</summary>
internal sealed class TokenRefreshException(string message, Exception inner) : Exception(message, inner);
