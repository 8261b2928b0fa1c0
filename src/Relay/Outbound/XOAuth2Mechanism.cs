using System.Text;
using MailKit.Security;

namespace Relay.Outbound;

/// <summary>
/// SASL XOAUTH2 that keeps the JSON Gmail sends in its <c>334</c> challenge when it refuses a token
/// (e.g. <c>{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}</c>), for the log.
/// </summary>
internal sealed class XOAuth2Mechanism(string user, string accessToken) : SaslMechanismOAuth2(user, accessToken)
{
    public string? ErrorJson { get; private set; }

    protected override byte[]? Challenge(byte[]? token, int startIndex, int length, CancellationToken cancellationToken)
    {
        if (IsAuthenticated && token is { Length: > 0 } && length > 0)
        {
            ErrorJson = Encoding.UTF8.GetString(token, startIndex, length);
        }

        return base.Challenge(token, startIndex, length, cancellationToken);
    }
}
