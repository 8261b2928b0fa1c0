using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Relay.Accounts;
using Relay.OAuth;

namespace Relay.Outbound;

/// <summary>Turns what an attempt threw into an outcome; exceptions stop here.</summary>
internal static class DeliveryClassifier
{
    /// <param name="provider">Whose SMTP server answered: Gmail's and Office 365's replies each mean what they mean only from them.</param>
    public static DeliveryOutcome Classify(Exception exception, AccountProvider provider = AccountProvider.Google) => exception switch
    {
        RecipientsRefusedException refused when provider == AccountProvider.Google && refused.Refusals.Any(r => IsQuotaReply(r.Code, r.Reply)) =>
            DeliveryOutcome.QuotaReached(refused.Message),
        RecipientsRefusedException refused when refused.Refusals.All(r => r.IsPermanent) =>
            DeliveryOutcome.Rejected(refused.Message),
        RecipientsRefusedException refused => DeliveryOutcome.Deferred(refused.Message),
        SmtpCommandException { StatusCode: var code } smtp when provider == AccountProvider.Microsoft && Office365Replies.Classify((int)code, smtp.Message) is { } office365 => office365,
        SmtpCommandException { StatusCode: var code } smtp when provider == AccountProvider.Google && IsQuotaReply((int)code, smtp.Message) =>
            DeliveryOutcome.QuotaReached($"{(int)code} {OneLine(smtp.Message)}"),
        SmtpCommandException { StatusCode: var code } smtp when (int)code >= 500 =>
            DeliveryOutcome.Rejected($"{(int)code} {OneLine(smtp.Message)}"),
        SmtpCommandException { StatusCode: var code } smtp =>
            DeliveryOutcome.Deferred($"{(int)code} {OneLine(smtp.Message)}"),
        UpstreamAuthenticationException { Remedy: { } remedy } => DeliveryOutcome.NeedsAuthorization(exception.Message) with { Remedy = remedy },
        UpstreamAuthenticationException or AuthorizationRequiredException =>
            DeliveryOutcome.NeedsAuthorization(exception.Message),
        SslHandshakeException => DeliveryOutcome.Deferred($"TLS handshake with the upstream failed: {OneLine(exception.Message)}"),
        SmtpProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException =>
            DeliveryOutcome.Deferred($"Upstream connection failed: {OneLine(exception.Message)}"),
        SocketException or IOException or TimeoutException or OperationCanceledException or HttpRequestException or TokenRefreshException =>
            DeliveryOutcome.Deferred($"Upstream unreachable: {OneLine(exception.Message)}"),
        ParseException or FormatException =>
            DeliveryOutcome.Rejected($"The message or its envelope cannot be sent as it is: {OneLine(exception.Message)}"),
        NotSupportedException => DeliveryOutcome.Deferred($"Upstream does not offer what is needed: {OneLine(exception.Message)}"),
        _ => DeliveryOutcome.Deferred($"Unexpected failure: {exception.GetType().Name}: {OneLine(exception.Message)}"),
    };

    /// <summary>Gmail's "sending limit reached" replies: 550 5.4.5 (daily quota) and 421 4.7.0 (rate limiting).</summary>
    public static bool IsQuotaReply(int code, string text) =>
        (code == 550 && text.Contains("5.4.5", StringComparison.Ordinal)) ||
        (code == 421 && text.Contains("4.7.0", StringComparison.Ordinal));

    public static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
