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
        Capture(token, startIndex, length);
        return base.Challenge(token, startIndex, length, cancellationToken);
    }

    protected override Task<byte[]?> ChallengeAsync(byte[]? token, int startIndex, int length, CancellationToken cancellationToken)
    {
        Capture(token, startIndex, length);
        return base.ChallengeAsync(token, startIndex, length, cancellationToken);
    }

    // The first call builds the initial response; any later challenge is the server refusing the token.
    private void Capture(byte[]? token, int startIndex, int length)
    {
        if (IsAuthenticated && token is not null && length > 0)
        {
            ErrorJson = Encoding.UTF8.GetString(token, startIndex, length);
        }
    }
}
