using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Relay.OAuth;
using Relay.Outbound;

namespace Relay.Tests.Outbound;

public sealed class DeliveryClassifierTests
{
    public static TheoryData<Exception, string> Cases => new()
    {
        { new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, new MailboxAddress("", "x@example.org"), "5.1.1 no such user"), nameof(DeliveryResult.Rejected) },
        { new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ExceededStorageAllocation, "5.3.4 message too big"), nameof(DeliveryResult.Rejected) },
        { new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.ServiceNotAvailable, new MailboxAddress("", "a@b.c"), "4.4.2 Timeout - closing connection"), nameof(DeliveryResult.Deferred) },
        { new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.ServiceNotAvailable, new MailboxAddress("", "a@b.c"), "4.7.0 Try again later, closing connection."), nameof(DeliveryResult.QuotaReached) },
        { new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.4.5 Daily user sending limit exceeded."), nameof(DeliveryResult.QuotaReached) },
        { new RecipientsRefusedException([new("a@x.org", 550, "5.1.1 no such user"), new("b@x.org", 553, "5.1.3 bad address")]), nameof(DeliveryResult.Rejected) },
        { new RecipientsRefusedException([new("a@x.org", 550, "5.1.1 no such user"), new("b@x.org", 450, "4.2.1 busy")]), nameof(DeliveryResult.Deferred) },
        { new RecipientsRefusedException([new("a@x.org", 550, "5.4.5 Daily sending quota exceeded")]), nameof(DeliveryResult.QuotaReached) },
        { new ParseException("Invalid addr-spec token", 0, 0), nameof(DeliveryResult.Rejected) },
        { new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxBusy, "4.2.1 busy"), nameof(DeliveryResult.Deferred) },
        { new SmtpProtocolException("The SMTP server has unexpectedly disconnected."), nameof(DeliveryResult.Deferred) },
        { new ServiceNotConnectedException(), nameof(DeliveryResult.Deferred) },
        { new SslHandshakeException("certificate rejected"), nameof(DeliveryResult.Deferred) },
        { new SocketException((int)SocketError.ConnectionRefused), nameof(DeliveryResult.Deferred) },
        { new IOException("reset"), nameof(DeliveryResult.Deferred) },
        { new TimeoutException(), nameof(DeliveryResult.Deferred) },
        { new OperationCanceledException(), nameof(DeliveryResult.Deferred) },
        { new HttpRequestException("no route to oauth2.googleapis.com"), nameof(DeliveryResult.Deferred) },
        { new UpstreamAuthenticationException("refused twice"), nameof(DeliveryResult.NeedsAuthorization) },
        { new AuthorizationRequiredException("invalid_grant"), nameof(DeliveryResult.NeedsAuthorization) },
        { new InvalidOperationException("surprise"), nameof(DeliveryResult.Deferred) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_MapsEveryFailureFamily(Exception exception, string expected)
    {
        var outcome = DeliveryClassifier.Classify(exception);

        Assert.Equal(expected, outcome.Result.ToString());
        Assert.False(string.IsNullOrWhiteSpace(outcome.Reply));
    }

    [Fact]
    public void Classify_PermanentRefusal_KeepsTheUpstreamCodeAndText()
    {
        var outcome = DeliveryClassifier.Classify(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, new MailboxAddress("", "x@example.org"), "5.1.1 no such user"));

        Assert.Equal("550 5.1.1 no such user", outcome.Reply);
    }
}
