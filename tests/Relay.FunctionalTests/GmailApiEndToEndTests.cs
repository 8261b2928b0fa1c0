using System.Text;
using MimeKit;
using Relay.Outbound;
using Relay.Spool;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// An account with <c>Transport: GmailApi</c>, end to end against <see cref="FakeGmailApiServer"/> (issue 14, part 2):
/// the bytes the API gets, the envelope kept through header addressing (Bcc hidden, nothing sent to a header-only
/// recipient), the API's answers mapped onto holds, dead letters and retries, the send-only scope, the resumable upload
/// and <c>relay check</c>.
/// </summary>
public sealed class GmailApiEndToEndTests : IAsyncLifetime
{
    private const string ApiRefreshToken = "1//api-refresh-token-SECRET";
    private const string SmtpSender = "erp@smtp.local";

    internal RelayHarness Harness { get; private set; } = null!;
    internal FakeGmailApiServer Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Harness = await RelayHarness.StartAsync();
        Api = await FakeGmailApiServer.StartAsync(Harness.OAuth);
        Harness.OAuth.AddRefreshToken(ApiRefreshToken, RelayHarness.Account, FakeGoogleOAuthServer.GmailSendScope);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Harness.DisposeAsync();
    }

    /// <summary>One account, <c>api</c>, sending as the harness's account through the fake Gmail API with a gmail.send token.</summary>
    private Action<Dictionary<string, string?>> ApiAccount(Action<Dictionary<string, string?>>? change = null) => settings =>
    {
        settings.Remove("Relay:Account:Address");
        settings.Remove("Relay:Google:RefreshToken");
        settings["Relay:Accounts:0:Name"] = "api";
        settings["Relay:Accounts:0:Address"] = RelayHarness.Account;
        settings["Relay:Accounts:0:Transport"] = "GmailApi";
        settings["Relay:Accounts:0:RefreshToken"] = ApiRefreshToken;
        settings["Relay:GmailApi:BaseUrl"] = Api.BaseUrl;
        change?.Invoke(settings);
    };

    /// <summary>The <c>api</c> account (the default) and an SMTP account <c>mail</c> that takes the mail of <see cref="SmtpSender"/>.</summary>
    private Action<Dictionary<string, string?>> ApiAndSmtpAccounts() => ApiAccount(settings =>
    {
        const string other = "smtp.account@example.com";
        Harness.OAuth.AddRefreshToken("1//smtp-refresh-token-SECRET", other);
        settings["Relay:Accounts:0:Address"] = "api.account@example.com";
        Harness.OAuth.AddRefreshToken(ApiRefreshToken, "api.account@example.com", FakeGoogleOAuthServer.GmailSendScope);
        settings["Relay:Accounts:1:Name"] = "mail";
        settings["Relay:Accounts:1:Address"] = other;
        settings["Relay:Accounts:1:RefreshToken"] = "1//smtp-refresh-token-SECRET";
        settings["Relay:Accounts:1:Senders:0"] = "@smtp.local";
        settings["Relay:Routing:Default"] = "api";
    });

    public static TheoryData<string> Shapes() => [.. ClientShapedMessages.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task ClientShapedMessage_ReachesTheApiByteForByte_ExceptTheRewrittenHeaders(string name)
    {
        var sent = ClientShapedMessages.All.Single(m => m.Name == name).Message;
        await using var relay = await Harness.StartRelayAsync(ApiAccount());

        await SendAsync(relay, ClientShapedMessages.Sender, HeaderRecipients(sent), sent);
        var received = await Api.NextAsync();

        Assert.Equal("media", received.UploadType);
        RewriteComparison.AssertSameExceptRewrite(sent, received.Raw);
        var from = Assert.Single(MimeMessage.Load(new MemoryStream(received.Raw)).From.Mailboxes);
        Assert.Equal(RelayHarness.Account, from.Address);
        Assert.Equal(HeaderRecipients(sent), received.Recipients);
    }

    [Fact]
    public async Task LongLine_IsReencodedExactlyAsTheSmtpPathDoes()
    {
        var sent = ClientShapedMessages.LongLine;
        byte[] bySmtp;
        await using (var smtpRelay = await Harness.StartRelayAsync())
        {
            await SendAsync(smtpRelay, ClientShapedMessages.Sender, ["alice@example.org"], sent);
            bySmtp = (await Harness.Gmail.NextMessageAsync()).Data;
        }

        await using var relay = await Harness.StartRelayAsync(ApiAccount());
        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], sent);
        var received = await Api.NextAsync();
        await relay.NextOutcomeAsync(); // the change is logged once the send is over

        Assert.True(MessageBytes.LongestLine(received.Raw) <= 998);
        Assert.Equal(Encoding.UTF8.GetString(bySmtp), Encoding.UTF8.GetString(received.Raw));
        Assert.Contains(relay.Logs.Lines, line => line.Contains("re-encoded from 7bit to quoted-printable: a line over 998 octets", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnvelopeOnlyRecipients_AreSentOnce_InABccThatRecipientsNeverSee()
    {
        var sent = ClientShapedMessages.Crlf($"""
            From: {ClientShapedMessages.Sender}
            To: Alice <alice@example.org>
            Cc: bob@example.org
            Bcc: dave@example.org
            Subject: Minutes

            See the minutes.

            """);
        await using var relay = await Harness.StartRelayAsync(ApiAccount());

        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org", "bob@example.org", "carol@example.org", "dave@example.org"], sent);
        var received = await Api.NextAsync();
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Equal(["alice@example.org", "bob@example.org", "carol@example.org", "dave@example.org"], received.Recipients.Order(StringComparer.Ordinal));
        var visible = Encoding.UTF8.GetString(received.Visible);
        Assert.DoesNotContain("carol", visible, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("dave", visible, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nTo: Alice <alice@example.org>\r\nCc: bob@example.org\r\n", visible, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nSee the minutes.\r\n", visible, StringComparison.Ordinal);
        Assert.Single(Api.Sent);
    }

    [Fact]
    public async Task InternationalEnvelopeOnlyRecipient_IsSentAsWritten_AndHidden()
    {
        var sent = ClientShapedMessages.Crlf($"""
            From: {ClientShapedMessages.Sender}
            To: alice@example.org
            Subject: Rapport

            Voir le rapport.

            """);
        await using var relay = await Harness.StartRelayAsync(ApiAccount());
        using (var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort))
        {
            await smtp.SendAsync("EHLO legacy.local", "250");
            await smtp.SendAsync($"MAIL FROM:<{ClientShapedMessages.Sender}> SMTPUTF8", "250");
            await smtp.SendAsync("RCPT TO:<alice@example.org>", "250");
            await smtp.SendUtf8Async("RCPT TO:<jöe@example.com>", "250");
            await smtp.SendAsync("DATA", "354");
            await smtp.SendMessageAsync(sent, "250");
        }

        var received = await Api.NextAsync();

        Assert.Equal(["alice@example.org", "jöe@example.com"], received.Recipients);
        Assert.DoesNotContain("e@example.com", Encoding.UTF8.GetString(received.Visible), StringComparison.Ordinal);
        RewriteComparison.AssertSameExceptRewrite(sent, received.Visible);
    }

    [Fact]
    public async Task HeaderRecipientTheEnvelopeDoesNotName_IsRefusedAtTheEndOfData_AndNothingIsSpooled()
    {
        var sent = ClientShapedMessages.Crlf($"""
            From: {ClientShapedMessages.Sender}
            To: alice@example.org
            Cc: mallory@example.org
            Subject: For Alice only

            Private.

            """);
        await using var relay = await Harness.StartRelayAsync(ApiAccount());

        var reply = await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], sent, "550");

        Assert.StartsWith("550 5.7.1 ", reply, StringComparison.Ordinal);
        Assert.Contains("mallory@example.org is in the Cc header but not among the RCPT TO recipients", reply, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", reply, StringComparison.Ordinal);
        Assert.Empty(relay.Spool.List());
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public async Task MoreThan100Recipients_AreRefusedAtTheEndOfData_AndNothingIsSpooled()
    {
        var recipients = Enumerable.Range(0, 101).Select(i => $"user{i}@example.org").ToList();
        var sent = ClientShapedMessages.Crlf($"""
            From: {ClientShapedMessages.Sender}
            To: {recipients[0]}
            Subject: Everyone

            Hello all.

            """);
        await using var relay = await Harness.StartRelayAsync(ApiAccount(s => s["Relay:Inbound:MaxRecipients"] = "200"));

        var reply = await SendAsync(relay, ClientShapedMessages.Sender, recipients, sent, "550");

        Assert.StartsWith("550 5.7.1 ", reply, StringComparison.Ordinal);
        Assert.Contains("at most 100 per message; this message has 101 recipients", reply, StringComparison.Ordinal);
        Assert.Empty(relay.Spool.List());
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public async Task TokenRefusedOnce_IsRefreshedOnce_AndTheMessageGoesOut()
    {
        await using var relay = await Harness.StartRelayAsync(ApiAccount());
        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        await Api.NextAsync();
        await relay.NextOutcomeAsync();
        var refreshes = Harness.OAuth.RefreshCount;

        Api.FailNext(GmailApiError.Unauthorized);
        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        await Api.NextAsync();
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Equal(refreshes + 1, Harness.OAuth.RefreshCount);
    }

    [Fact]
    public async Task TokenRefusedAgainAfterTheRefresh_HoldsThatAccountOnly()
    {
        await using var relay = await Harness.StartRelayAsync(ApiAndSmtpAccounts());
        Api.FailNext(GmailApiError.Unauthorized);
        Api.FailNext(GmailApiError.Unauthorized);

        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        var (held, outcome) = await relay.NextOutcomeAsync();
        await SendAsync(relay, SmtpSender, ["alice@example.org"], Simple(SmtpSender));
        var bySmtp = await Harness.Gmail.NextMessageAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("refused the access token of api.account@example.com again after a refresh", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(HoldReason.Authorization, relay.Account("api").Gate.State.Reason);
        Assert.Equal(HoldReason.None, relay.Account("mail").Gate.State.Reason);
        Assert.Equal("smtp.account@example.com", bySmtp.AuthUser);
        var waiting = Assert.Single(relay.Spool.List(), entry => entry.Id == held.Id);
        Assert.NotEqual(SpoolState.Dead, waiting.State);
        Assert.Equal("api", waiting.Account);
        Assert.Empty(Api.Sent);
    }

    [Theory]
    [InlineData(GmailApiError.DailyLimitExceeded, "dailyLimitExceeded")]
    [InlineData(GmailApiError.UserRateLimitExceeded, "userRateLimitExceeded")]
    [InlineData(GmailApiError.RateLimitExceeded, "rateLimitExceeded")]
    public async Task QuotaOrRateAnswer_HoldsTheAccountForQuota_AndKeepsTheMessage(GmailApiError error, string reason)
    {
        await using var relay = await Harness.StartRelayAsync(ApiAccount());
        Api.FailNext(error);

        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        var (entry, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.QuotaReached, outcome.Result);
        Assert.Contains(reason, outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(HoldReason.Quota, relay.Account("api").Gate.State.Reason);
        Assert.NotEqual(SpoolState.Dead, Assert.Single(relay.Spool.List(), e => e.Id == entry.Id).State);
    }

    [Fact]
    public async Task OtherClientError_IsADeadLetterWithGooglesReason()
    {
        await using var relay = await Harness.StartRelayAsync(ApiAccount());
        Api.FailNext(GmailApiError.InvalidArgument);

        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        var (entry, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        var dead = Assert.Single(relay.Spool.List(), e => e.Id == entry.Id);
        Assert.Equal(SpoolState.Dead, dead.State);
        Assert.Contains("400 invalidArgument: Invalid To header", dead.LastError, StringComparison.Ordinal);
        Assert.Equal(HoldReason.None, relay.Account("api").Gate.State.Reason);
    }

    [Theory]
    [InlineData(GmailApiError.BackendError)]
    [InlineData(GmailApiError.Unavailable)]
    [InlineData(GmailApiError.ConnectionDropped)]
    public async Task ServerErrorOrDroppedConnection_IsDeferred_ThenRetriedOnce(GmailApiError error)
    {
        await using var relay = await Harness.StartRelayAsync(ApiAccount());
        Api.FailNext(error);

        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        var (_, first) = await relay.NextOutcomeAsync();
        var (_, second) = await relay.NextOutcomeAsync();
        await Api.NextAsync();

        Assert.Equal(DeliveryResult.Deferred, first.Result);
        Assert.Equal(DeliveryResult.Delivered, second.Result);
        Assert.Single(Api.Sent);
        Assert.Equal(HoldReason.None, relay.Account("api").Gate.State.Reason);
    }

    [Fact]
    public async Task PageAuthorization_AsksForGmailSendOpenIdEmail_NotTheFullMailbox_AndItsTokenSends()
    {
        await using var relay = await Harness.StartRelayAsync(ApiAccount(s => s.Remove("Relay:Accounts:0:RefreshToken")));
        using var browser = await WebSession.SignedInAsync(relay);

        await browser.GetTextAsync(await browser.ConsentAsync(fields: new Dictionary<string, string> { ["account"] = "api" }));
        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        var received = await Api.NextAsync();

        var scopes = Harness.OAuth.LastAuthorizationRequest!["scope"].Split(' ');
        Assert.Equal(["email", FakeGoogleOAuthServer.GmailSendScope, "openid"], scopes.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(FakeGoogleOAuthServer.FullMailScope, scopes);
        Assert.Equal(RelayHarness.Account, relay.Account("api").Tokens.Account);
        Assert.Equal(RelayHarness.Account, received.Account);
    }

    [Fact]
    public async Task TokenWithoutASendScope_IsRefusedByTheApi_AndTheAccountIsHeldUntilAuthorizedAgain()
    {
        Harness.OAuth.AddRefreshToken("1//readonly-refresh-token-SECRET", RelayHarness.Account, "https://www.googleapis.com/auth/gmail.readonly");
        await using var relay = await Harness.StartRelayAsync(ApiAccount(s => s["Relay:Accounts:0:RefreshToken"] = "1//readonly-refresh-token-SECRET"));

        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], Simple());
        var (entry, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("POST media 403", Api.Requests);
        var gate = relay.Account("api").Gate.State;
        Assert.Equal(HoldReason.Authorization, gate.Reason);
        Assert.Contains("lacks the gmail.send scope", gate.Detail, StringComparison.Ordinal);
        Assert.Contains("Authorize it again", gate.Detail, StringComparison.Ordinal);
        Assert.NotEqual(SpoolState.Dead, Assert.Single(relay.Spool.List(), e => e.Id == entry.Id).State);
        Assert.Empty(Api.Sent);
    }

    [Fact]
    public async Task MessageAboveTheResumableThreshold_GoesThroughAResumableUpload_ByteForByte()
    {
        var lines = string.Join("\n", Enumerable.Range(0, 1000).Select(i => $"Line {i:D4} of the nightly export: " + new string((char)('a' + (i % 26)), 40)));
        var sent = ClientShapedMessages.Crlf($"""
            From: {ClientShapedMessages.Sender}
            To: alice@example.org
            Subject: Nightly export
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            {lines}

            """);
        await using var relay = await Harness.StartRelayAsync(ApiAccount(s => s["Relay:GmailApi:ResumableThreshold"] = "4096"));

        await SendAsync(relay, ClientShapedMessages.Sender, ["alice@example.org"], sent);
        var received = await Api.NextAsync();

        Assert.True(sent.Length > 4096 * 10);
        Assert.Equal("resumable", received.UploadType);
        Assert.Equal(["POST resumable 200", "PUT resumable-put 200"], Api.Requests);
        RewriteComparison.AssertSameExceptRewrite(sent, received.Raw);
    }

    [Fact]
    public async Task Check_GmailApiAccount_ChecksTheApiAndTheSendScope_AndSendsNothing()
    {
        Harness.OAuth.AddRefreshToken("1//readonly-refresh-token-SECRET", RelayHarness.Account, "https://www.googleapis.com/auth/gmail.readonly");
        await using var relay = await RelayProcess.StartAsync(Harness, ApiAccount());

        var (exitCode, output, _) = await relay.RunCommandAsync("check");
        var (readOnlyExitCode, readOnlyOutput, _) = await relay.RunCommandAsync(
            new Dictionary<string, string?> { ["Relay__Accounts__0__RefreshToken"] = "1//readonly-refresh-token-SECRET" }, "check");

        Assert.True(exitCode == 0, output);
        Assert.Contains("OK    Token refresh", output, StringComparison.Ordinal);
        Assert.Contains($"OK    Gmail API: {Api.BaseUrl} answered over HTTPS and took the token of relay.account@example.com for sending", output, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", output, StringComparison.Ordinal);
        Assert.DoesNotContain("XOAUTH2", output, StringComparison.Ordinal);
        Assert.True(readOnlyExitCode == 1, readOnlyOutput);
        Assert.Contains("OK    Token refresh", readOnlyOutput, StringComparison.Ordinal);
        Assert.Contains("FAIL  Gmail API: the token of relay.account@example.com lacks the gmail.send scope", readOnlyOutput, StringComparison.Ordinal);
        Assert.Contains("Authorize the account again", readOnlyOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", output + readOnlyOutput, StringComparison.Ordinal);
        Assert.Equal(["POST metadata 400", "POST metadata 403"], Api.Requests);
        Assert.Empty(Api.Sent);
    }

    private static byte[] Simple(string from = ClientShapedMessages.Sender) => ClientShapedMessages.Crlf($"""
        From: {from}
        To: alice@example.org
        Subject: Ticket #7

        Updated.

        """);

    private static List<string> HeaderRecipients(byte[] message) =>
        [.. MimeMessage.Load(new MemoryStream(message)).GetRecipients().Select(mailbox => mailbox.Address)];

    /// <summary>EHLO, MAIL (BODY=8BITMIME when the message has 8-bit bytes), one RCPT per recipient, DATA; the reply to the message.</summary>
    private static async Task<string> SendAsync(RelayInstance relay, string from, IEnumerable<string> recipients, byte[] message, string expected = "250")
    {
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("EHLO legacy.local", "250");
        await smtp.SendAsync($"MAIL FROM:<{from}>{(MessageBytes.HasEightBit(message) ? " BODY=8BITMIME" : "")}", "250");
        foreach (var recipient in recipients)
        {
            await smtp.SendAsync($"RCPT TO:<{recipient}>", "250");
        }

        await smtp.SendAsync("DATA", "354");
        return await smtp.SendMessageAsync(message, expected);
    }
}
