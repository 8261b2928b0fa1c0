namespace Relay.Outbound;

/// <summary>
/// What Office 365's SMTP replies mean for an account and what fixes them. Office 365 refuses a token with a plain
/// <c>535 5.7.3 Authentication unsuccessful</c> (no challenge, unlike Gmail), refuses any login with <c>535 5.7.139</c>
/// while SMTP AUTH is off for the mailbox or the tenant (or security defaults are on), answers a password with
/// <c>550 5.7.30</c>, and refuses a From the mailbox may not send as with <c>554 5.2.252 SendAsDenied</c>,
/// <c>554 5.2.0 …SendAsDeniedException</c> or <c>550 5.7.60</c>, and answers a mailbox over its sending limits with
/// <c>554 5.2.0 …SubmissionQuotaExceededException</c>.
/// </summary>
internal static class Office365Replies
{
    public const string SmtpAuthFix =
        "turn SMTP AUTH on for the mailbox in Exchange Online PowerShell (Set-CASMailbox -Identity {0} -SmtpClientAuthenticationDisabled $false), " +
        "and check that the tenant allows it ((Get-TransportConfig).SmtpClientAuthenticationDisabled) and that security defaults are off in Entra ID; " +
        "or send through Microsoft Graph instead (Transport: Graph), which needs no SMTP AUTH";

    public const string SendAsHint =
        "the From must be the mailbox or a Send As address listed in the account's Aliases (and granted Send As in Exchange: Add-RecipientPermission -AccessRights SendAs)";

    /// <summary>
    /// A login refusal that a new token does not fix, as the exception that holds the account with its fix; null for a
    /// token refusal (535 5.7.3 and any other), which is worth one refresh.
    /// </summary>
    public static UpstreamAuthenticationException? Unfixable(string reply, string mailbox)
    {
        var text = LoginReply(reply);
        if (text.Contains("5.7.139", StringComparison.Ordinal))
        {
            var fix = string.Format(System.Globalization.CultureInfo.InvariantCulture, SmtpAuthFix, mailbox);
            return new UpstreamAuthenticationException(
                $"Office 365 refused SMTP AUTH for {mailbox} ({text}): SMTP AUTH is disabled for the mailbox or the tenant, or security defaults block it. To fix it, {fix}.",
                fix);
        }

        if (text.Contains("5.7.30", StringComparison.Ordinal))
        {
            return new UpstreamAuthenticationException(BasicAuthExplanation(text), BasicAuthFix);
        }

        return null;
    }

    /// <summary>
    /// The server's reply as MailKit's <see cref="MailKit.Security.AuthenticationException"/> words it ("535: 5.7.3 …"),
    /// on one line and as the server wrote it ("535 5.7.3 …").
    /// </summary>
    public static string LoginReply(string message)
    {
        var text = DeliveryClassifier.OneLine(message);
        return text.Length > 5 && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]) && text[3] == ':' && text[4] == ' '
            ? string.Concat(text.AsSpan(0, 3), text.AsSpan(4))
            : text;
    }

    private const string BasicAuthFix =
        "point Relay:Microsoft:SmtpHost at Office 365 (smtp.office365.com) directly, with nothing between that replaces the XOAUTH2 login, and authorize the account again";

    private static string BasicAuthExplanation(string text) =>
        $"Office 365 answered {text}: it takes no password (basic authentication) for client submission any more, only OAuth. " +
        $"Relay logs in with an OAuth token (XOAUTH2), never a password, so a password reached Office 365 on this connection. To fix it, {BasicAuthFix}.";

    /// <summary>Whether an SMTP reply is Office 365 refusing the From (Send As), which no retry fixes.</summary>
    public static bool IsSendAsDenied(int code, string text) =>
        (code == 554 && (text.Contains("5.2.252", StringComparison.Ordinal) || text.Contains("SendAsDenied", StringComparison.Ordinal)))
        || (code == 550 && text.Contains("5.7.60", StringComparison.Ordinal));

    /// <summary>Whether an SMTP reply is Office 365's 550 5.7.30 (basic authentication refused).</summary>
    public static bool IsBasicAuthRefused(int code, string text) => code == 550 && text.Contains("5.7.30", StringComparison.Ordinal);

    /// <summary>For an SMTP reply outside the login: the outcome Office 365's meaning calls for, or null when it is an ordinary reply.</summary>
    public static DeliveryOutcome? Classify(int code, string reply)
    {
        var text = DeliveryClassifier.OneLine(reply);
        if (IsSendAsDenied(code, text))
        {
            return DeliveryOutcome.Rejected($"{code} {text} Office 365 refused the sender: {SendAsHint}.");
        }

        if (code >= 500 && text.Contains("SubmissionQuotaExceeded", StringComparison.Ordinal))
        {
            // Exchange Online's sending limits (recipients a day, messages a minute): the account waits, its messages are kept.
            return DeliveryOutcome.QuotaReached($"{code} {text} Office 365's sending limit for the mailbox is reached.");
        }

        return IsBasicAuthRefused(code, text)
            ? DeliveryOutcome.NeedsAuthorization(BasicAuthExplanation($"{code} {text}")) with { Remedy = BasicAuthFix }
            : null;
    }
}
