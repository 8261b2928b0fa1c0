using Relay.Accounts;
using MailKit.Net.Smtp;
using MimeKit;
using Relay.Outbound;
using Relay.Outbound.Graph;

namespace Relay.Tests.Outbound.Microsoft;

/// <summary>Office 365's SMTP replies and Graph's errors, read into outcomes.</summary>
public sealed class MicrosoftRepliesTests
{
    private const string SendAsHint = "the From must be the mailbox or a Send As address listed in the account's Aliases";

    [Theory]
    [InlineData(SmtpStatusCode.TransactionFailed, "5.2.252 SendAsDenied; helpdesk@contoso.example not allowed to send as boss@contoso.example; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied")]
    [InlineData(SmtpStatusCode.TransactionFailed, "5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception")]
    [InlineData(SmtpStatusCode.MailboxUnavailable, "5.7.60 SMTP; Client does not have permissions to send as this sender")]
    public void Classify_SendAsDenials_ArePermanentWithTheHint(SmtpStatusCode code, string text)
    {
        var outcome = DeliveryClassifier.Classify(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, code, text), AccountProvider.Microsoft);

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.StartsWith($"{(int)code} {text}", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains(SendAsHint, outcome.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_BasicAuthRefusedOutsideTheLogin_HoldsWithItsExplanation()
    {
        var outcome = DeliveryClassifier.Classify(new SmtpCommandException(
            SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable, new MailboxAddress("", "helpdesk@contoso.example"), "5.7.30 Basic authentication is not supported for Client Submission."), AccountProvider.Microsoft);

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("it takes no password (basic authentication) for client submission", outcome.Reply, StringComparison.Ordinal);
        Assert.NotNull(outcome.Remedy);
    }

    [Fact]
    public void Classify_SubmissionQuotaExceeded_HoldsForTheQuota()
    {
        var outcome = DeliveryClassifier.Classify(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed,
            "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message Cannot submit message."), AccountProvider.Microsoft);

        Assert.Equal(DeliveryResult.QuotaReached, outcome.Result);
        Assert.Contains("Office 365's sending limit for the mailbox is reached", outcome.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_AnOrdinary550_StaysAPlainRejection()
    {
        var outcome = DeliveryClassifier.Classify(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found"), AccountProvider.Microsoft);

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.Equal("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found", outcome.Reply);
        Assert.Null(outcome.Remedy);
    }

    [Fact]
    public void Classify_ALoginRefusalWithItsOwnFix_CarriesTheFix()
    {
        var outcome = DeliveryClassifier.Classify(new UpstreamAuthenticationException("SMTP AUTH is off", "turn it on"));

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Equal("turn it on", outcome.Remedy);
    }

    [Theory]
    [InlineData("535: 5.7.3 Authentication unsuccessful [AM0P.prod.outlook.com]", "535 5.7.3 Authentication unsuccessful [AM0P.prod.outlook.com]")]
    [InlineData("535 5.7.3 as written", "535 5.7.3 as written")]
    [InlineData("no code", "no code")]
    public void LoginReply_IsTheServersLineAsItWroteIt(string mailKit, string expected) => Assert.Equal(expected, Office365Replies.LoginReply(mailKit));

    [Fact]
    public void Unfixable_ATokenRefusal_IsWorthARefresh() => Assert.Null(Office365Replies.Unfixable("535: 5.7.3 Authentication unsuccessful", "a@b.example"));

    [Fact]
    public void GraphError_ReadsCodeAndMessage_OrSaysThereIsNone()
    {
        Assert.Equal(new GraphError(403, "ErrorAccessDenied", "Access is denied."),
            GraphError.Parse(403, """{"error":{"code":"ErrorAccessDenied","message":"Access is denied.","innerError":{"request-id":"x"}}}"""));
        Assert.Equal("502 (no Graph error in the answer)", GraphError.Parse(502, "<html>Bad gateway</html>").ToString());
    }

    [Fact]
    public void Classify_EachProvidersRepliesMeanWhatTheyMeanOnlyFromIt()
    {
        // Gmail's 421 4.7.0 is its rate limit (hold); from Office 365 it is a temporary error (retry this message).
        var busy = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ServiceNotAvailable, "4.7.0 Temporary server error. Please try again later. PRX4");
        Assert.Equal(DeliveryResult.QuotaReached, DeliveryClassifier.Classify(busy, AccountProvider.Google).Result);
        Assert.Equal(DeliveryResult.Deferred, DeliveryClassifier.Classify(busy, AccountProvider.Microsoft).Result);

        // Office 365's Send As refusal gets its hint only from Office 365.
        var sendAs = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.7.60 SMTP; Client does not have permissions to send as this sender");
        Assert.DoesNotContain(SendAsHint, DeliveryClassifier.Classify(sendAs, AccountProvider.Google).Reply, StringComparison.Ordinal);
        Assert.Contains(SendAsHint, DeliveryClassifier.Classify(sendAs, AccountProvider.Microsoft).Reply, StringComparison.Ordinal);
    }
}
