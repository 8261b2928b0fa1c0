using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Relay.OAuth;

namespace Relay.Outbound;

/// <summary>Turns what an attempt threw into an outcome; exceptions stop here.</summary>
internal static class DeliveryClassifier
{
    public static DeliveryOutcome Classify(Exception exception) => exception switch
    {
        SmtpCommandException { StatusCode: var code } smtp when (int)code >= 500 =>
            DeliveryOutcome.Rejected($"{(int)code} {smtp.Message}"),
        SmtpCommandException { StatusCode: var code } smtp =>
            DeliveryOutcome.Deferred($"{(int)code} {smtp.Message}"),
        UpstreamAuthenticationException or AuthorizationRequiredException =>
            DeliveryOutcome.NeedsAuthorization(exception.Message),
        SslHandshakeException => DeliveryOutcome.Deferred($"TLS handshake with the upstream failed: {exception.Message}"),
        SmtpProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException =>
            DeliveryOutcome.Deferred($"Upstream connection failed: {exception.Message}"),
        SocketException or IOException or TimeoutException or OperationCanceledException or HttpRequestException or TokenRefreshException =>
            DeliveryOutcome.Deferred($"Upstream unreachable: {exception.Message}"),
        NotSupportedException => DeliveryOutcome.Deferred($"Upstream does not offer what is needed: {exception.Message}"),
        _ => DeliveryOutcome.Deferred($"Unexpected failure: {exception.GetType().Name}: {exception.Message}"),
    };
}
