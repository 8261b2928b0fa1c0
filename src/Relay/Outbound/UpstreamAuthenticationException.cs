namespace Relay.Outbound;

/// <summary>
/// The upstream refused the account's token, even a freshly refreshed one, or refused the login in a way no token
/// fixes (Office 365's 535 5.7.139: SMTP AUTH is off). <see cref="Remedy"/>, when set, is what the operator does
/// about it instead of the token source's own remedy (authorize again).
/// </summary>
internal sealed class UpstreamAuthenticationException(string message, string? remedy = null) : Exception(message)
{
    public string? Remedy { get; } = remedy;
}
