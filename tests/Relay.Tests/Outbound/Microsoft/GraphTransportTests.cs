using System.Text;
using Relay.Accounts;
using Relay.Outbound;
using Relay.Outbound.Graph;
using Relay.Testing;

namespace Relay.Tests.Outbound.Microsoft;

/// <summary>A Microsoft account's Graph transport over a real spool against the fake Graph (and the fake Office 365 SMTP for large messages).</summary>
public sealed class GraphTransportTests : IAsyncLifetime
{
    private const string Mailbox = MicrosoftTransportKit.Mailbox;

    private MicrosoftTransportKit _kit = null!;

    public async Task InitializeAsync() => _kit = await MicrosoftTransportKit.StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static string Message(string to = "user@example.net", string extraHeaders = "", string body = "body\r\n") =>
        $"From: App <app@legacy.lan>\r\nTo: {to}\r\n{extraHeaders}Subject: ticket\r\nMessage-ID: <t1@legacy.lan>\r\n\r\n{body}";

    private Task<(RelayAccount Account, DeliveryOutcome Outcome)> SendAsync(
        string message, string[] recipients, bool largeMessagesBySmtp = false, bool appOnly = false) =>
        SendAsync(Encoding.UTF8.GetBytes(message), recipients, largeMessagesBySmtp, appOnly);

    private async Task<(RelayAccount Account, DeliveryOutcome Outcome)> SendAsync(
        byte[] message, string[] recipients, bool largeMessagesBySmtp = false, bool appOnly = false)
    {
        var account = _kit.Account(AccountTransport.Graph, largeMessagesBySmtp, appOnly);
        var entry = await _kit.EnqueueAsync(message, recipients);
        await using var transport = _kit.Transport(account);
        var outcome = await transport.SendAsync(Mailbox, entry, CancellationToken.None);
        await _kit.Recorder.RecordAsync(account, Mailbox, entry, outcome);
        return (account, outcome);
    }

    [Fact]
    public async Task Send_IsOnePostOfTheBase64MimeAsTextPlain_AcceptedNotDelivered()
    {
        var (_, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Equal("accepted by Microsoft Graph (202); Graph reports no delivery", outcome.Reply);
        var sent = Assert.Single(_kit.Graph.Sent);
        Assert.Equal(Mailbox, sent.Mailbox);
        Assert.Equal("text/plain", sent.ContentType);
        Assert.Equal(["user@example.net"], sent.Recipients);
        Assert.Contains("From: App <helpdesk@contoso.example>\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Contains("Reply-To: App <app@legacy.lan>\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Equal([$"POST {Mailbox} 202"], _kit.Graph.Requests);
        var logged = Assert.Single(_kit.Logs.Lines, line => line.Contains("[4202]", StringComparison.Ordinal));
        Assert.Contains("accepted by Microsoft Graph (202)", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(_kit.Logs.Lines, line => line.Contains("Delivered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_TheBytesAreTheSmtpPathsBytes()
    {
        // 8-bit body, a line over 998 octets (re-encoded the same way on both paths), folded and odd headers, a UTF-8 Subject.
        var message = "From: \"Service desk\" <app@legacy.lan>\r\nTo: user@example.net,\r\n  other@example.net\r\nX-Odd:   spaced\tvalue\r\n" +
            "Subject: caf\u00e9 cr\u00e8me\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "\u00e9t\u00e9 \u00e0 la mer\r\n" + new string('x', 1200) + "\r\n..leading dot\r\ntrailing spaces   \r\n";
        var recipients = new[] { "user@example.net", "other@example.net" };

        var (_, bySmtp) = await SendViaSmtpAsync(message, recipients);
        var (_, byGraph) = await SendAsync(message, recipients);

        Assert.Equal(DeliveryResult.Delivered, bySmtp.Result);
        Assert.Equal(DeliveryResult.Delivered, byGraph.Result);
        var smtp = Assert.Single(_kit.Office365.Messages).Data;
        var graph = Assert.Single(_kit.Graph.Sent).Raw;
        Assert.Equal(Encoding.UTF8.GetString(smtp), Encoding.UTF8.GetString(graph));
        Assert.Equal(smtp, graph);
    }

    public static TheoryData<string> Shapes() => [.. ClientShapedMessages.All.Select(m => m.Name), "BareLineFeeds"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Send_EachShapeRealClientsSend_TheBytesAreTheSmtpPathsBytes(string name)
    {
        var message = name == "BareLineFeeds" // as Python's smtplib.sendmail passes msg.as_bytes()
            ? Encoding.UTF8.GetBytes("From: cron@legacy.lan\nTo: user@example.net\nSubject: report caf\u00e9\n\n.hidden file listed\n" + new string('y', 1500) + "\nend\n")
            : ClientShapedMessages.All.Single(m => m.Name == name).Message;
        var headers = MimeKit.HeaderList.Load(new MemoryStream(message));
        string[] recipients = [.. headers.Where(h => h.Id is MimeKit.HeaderId.To or MimeKit.HeaderId.Cc)
            .SelectMany(h => MimeKit.InternetAddressList.Parse(h.Value).Mailboxes).Select(m => m.Address).Distinct()];

        var (_, bySmtp) = await SendViaSmtpAsync(message, recipients);
        var (_, byGraph) = await SendAsync(message, recipients);

        Assert.Equal(DeliveryResult.Delivered, bySmtp.Result);
        Assert.Equal(DeliveryResult.Delivered, byGraph.Result);
        Assert.Equal(Encoding.UTF8.GetString(Assert.Single(_kit.Office365.Messages).Data), Encoding.UTF8.GetString(Assert.Single(_kit.Graph.Sent).Raw));
        Assert.Equal(Assert.Single(_kit.Office365.Messages).Data, Assert.Single(_kit.Graph.Sent).Raw);
    }

    private Task<(RelayAccount, DeliveryOutcome)> SendViaSmtpAsync(string message, string[] recipients) =>
        SendViaSmtpAsync(Encoding.UTF8.GetBytes(message), recipients);

    private async Task<(RelayAccount, DeliveryOutcome)> SendViaSmtpAsync(byte[] message, string[] recipients)
    {
        var account = _kit.Account(AccountTransport.Smtp);
        var entry = await _kit.EnqueueAsync(message, recipients);
        await using var transport = _kit.Transport(account);
        var outcome = await transport.SendAsync(Mailbox, entry, CancellationToken.None);
        await _kit.Recorder.RecordAsync(account, Mailbox, entry, outcome);
        return (account, outcome);
    }

    [Fact]
    public async Task Send_EnvelopeOnlyRecipients_GoInOneBcc_OthersUntouched()
    {
        var message = Message(extraHeaders: "Bcc: stale@example.org\r\n");

        var (_, outcome) = await SendAsync(message, ["user@example.net", "hidden@example.org", "also.hidden@example.org"]);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        var sent = Assert.Single(_kit.Graph.Sent);
        Assert.Equal(["hidden@example.org", "also.hidden@example.org"], sent.Bcc);
        Assert.Equal(["user@example.net", "hidden@example.org", "also.hidden@example.org"], sent.Recipients);
        Assert.DoesNotContain("stale@example.org", sent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_AHeaderRecipientNotInTheEnvelope_IsRejectedAndNotPosted()
    {
        var (_, outcome) = await SendAsync(Message(extraHeaders: "Cc: stranger@example.net\r\n"), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.StartsWith("550 5.7.1 this account sends through Microsoft Graph", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("stranger@example.net is in the Cc header but not among the RCPT TO recipients", outcome.Reply, StringComparison.Ordinal);
        Assert.Empty(_kit.Graph.Requests);
    }

    [Fact]
    public async Task Send_TokenRefused401_RefreshesOnceAndIsAccepted()
    {
        _kit.ValidGraphToken = "graph-2";

        var (_, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Equal(1, _kit.GraphTokens.Refreshes);
        Assert.Equal([$"POST {Mailbox} 401", $"POST {Mailbox} 202"], _kit.Graph.Requests);
    }

    [Fact]
    public async Task Send_TokenRefusedAfterTheRefresh_HoldsTheAccount()
    {
        _kit.ValidGraphToken = "never";

        var (account, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Equal(1, _kit.GraphTokens.Refreshes);
        Assert.Equal(2, _kit.Graph.RefusedTokens);
        Assert.Contains("401 InvalidAuthenticationToken", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(HoldReason.Authorization, account.Gate.State.Reason);
        Assert.DoesNotContain("graph-1", _kit.Logs.All, StringComparison.Ordinal); // no token in any log line
        Assert.DoesNotContain("graph-2", _kit.Logs.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "give the app registration the delegated permission Mail.Send (Microsoft Graph), grant admin consent if the tenant requires it")]
    [InlineData(true, "give the app registration the application permission Mail.Send (Microsoft Graph) and grant admin consent; if an application access policy restricts the app, add helpdesk@contoso.example to its group")]
    public async Task Send_AccessDenied403_HoldsTheAccountWithTheFix(bool appOnly, string fix)
    {
        _kit.Graph.FailNext(GraphFailure.AccessDenied);

        var (account, outcome) = await SendAsync(Message(), ["user@example.net"], appOnly: appOnly);

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("403 ErrorAccessDenied", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains(fix, outcome.Reply, StringComparison.Ordinal);
        Assert.Contains(fix, account.Gate.State.Detail, StringComparison.Ordinal);
        Assert.Contains(_kit.Logs.Lines, line => line.Contains("[4004]", StringComparison.Ordinal) && line.Contains("To fix it, " + fix, StringComparison.Ordinal));
        Assert.Equal(0, _kit.GraphTokens.Refreshes);
    }

    [Fact]
    public async Task Send_SendAsDenied403_IsRejectedWithTheHint()
    {
        _kit.Graph.FailNext(GraphFailure.SendAsDenied);

        var (account, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.Contains("403 ErrorSendAsDenied", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("the From must be the mailbox or a Send As address listed in the account's Aliases", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(HoldReason.None, account.Gate.State.Reason);
        Assert.Equal(1, _kit.Spool.DeadCount);
    }

    [Fact]
    public async Task Send_BadRequest400_IsRejectedWithGraphsCodeAndMessage()
    {
        _kit.Graph.FailNext(GraphFailure.InvalidMime);

        var (_, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.Equal("Microsoft Graph refused the message: 400 ErrorMimeContentInvalidBase64String: Invalid base64 string for MIME content.", outcome.Reply);
    }

    [Fact]
    public async Task Send_Throttled429_HoldsTheWholeAccountUntilRetryAfter_NotJustThisMessage()
    {
        _kit.Graph.FailNext(GraphFailure.Throttled, TimeSpan.FromMinutes(47));
        var before = DateTimeOffset.UtcNow;

        var (account, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.QuotaReached, outcome.Result);
        Assert.Equal(TimeSpan.FromMinutes(47), outcome.RetryAfter);
        Assert.Contains("Retry-After", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(HoldReason.Quota, account.Gate.State.Reason);
        Assert.True(account.Gate.State.NextTryAt >= before + TimeSpan.FromMinutes(47), $"held until {account.Gate.State.NextTryAt:O}");
        Assert.Equal(0, Assert.Single(_kit.Spool.Waiting()).Attempts); // held, not counted as an attempt
    }

    [Theory]
    [InlineData(GraphFailure.ServiceUnavailable)]
    [InlineData(GraphFailure.GatewayTimeout)]
    public async Task Send_Unavailable_IsDeferredNoSoonerThanRetryAfter(GraphFailure failure)
    {
        _kit.Graph.FailNext(failure, TimeSpan.FromMinutes(47));
        var before = DateTimeOffset.UtcNow;

        var (account, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        Assert.Equal(TimeSpan.FromMinutes(47), outcome.RetryAfter);
        Assert.Contains("Retry-After", outcome.Reply, StringComparison.Ordinal);
        var waiting = Assert.Single(_kit.Spool.Waiting());
        Assert.True(waiting.NextAttemptAt >= before + TimeSpan.FromMinutes(47), $"next attempt {waiting.NextAttemptAt:O}, asked for no sooner than {before + TimeSpan.FromMinutes(47):O}");
        Assert.Equal(HoldReason.None, account.Gate.State.Reason);
    }

    [Fact]
    public async Task Send_ServerError500_IsDeferred()
    {
        _kit.Graph.FailNext(GraphFailure.InternalServerError);

        var (_, outcome) = await SendAsync(Message(), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Deferred, outcome.Result);
        Assert.Contains("500 ErrorInternalServerError", outcome.Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ManyLoops_NeverMoreThanFourRequestsInFlightForTheMailbox()
    {
        const int loops = 10;
        var account = _kit.Account(AccountTransport.Graph);
        var arrived = 0;
        var fourArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _kit.Graph.BeforeAnswer = async cancellationToken =>
        {
            var count = Interlocked.Increment(ref arrived);
            if (count == 4)
            {
                fourArrived.TrySetResult();
            }

            if (count == loops)
            {
                allArrived.TrySetResult();
            }

            await release.Task.WaitAsync(cancellationToken);
        };
        var entries = new List<Relay.Spool.SpoolEntry>();
        for (var i = 0; i < loops; i++)
        {
            entries.Add(await _kit.EnqueueAsync(Message(), "user@example.net"));
        }

        var transports = Enumerable.Range(0, loops).Select(_ => _kit.Transport(account)).ToList();
        var sends = entries.Select((entry, i) => transports[i].SendAsync(Mailbox, entry, CancellationToken.None)).ToList();

        await fourArrived.Task.WaitAsync(TimeSpan.FromSeconds(20));
        // Were there no cap, every loop's request would now arrive; give them the time to, then let Graph answer.
        await Task.WhenAny(allArrived.Task, Task.Delay(TimeSpan.FromMilliseconds(500)));
        release.SetResult();
        var outcomes = await Task.WhenAll(sends);

        Assert.All(outcomes, outcome => Assert.Equal(DeliveryResult.Delivered, outcome.Result));
        Assert.Equal(GraphLimits.MaxConcurrentRequests, _kit.Graph.MaxInFlight);
        Assert.Equal(loops, _kit.Graph.Sent.Count);
        foreach (var transport in transports)
        {
            await transport.DisposeAsync();
        }
    }

    [Fact]
    public async Task Send_OverGraphsRequestLimit_WithoutLargeMessagesBySmtp_IsRejected552()
    {
        var (_, outcome) = await SendAsync(Message(body: Big(GraphLimits.MaxMessageBytes)), ["user@example.net"]);

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.StartsWith("552 5.3.4 The message is ", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("Microsoft Graph takes at most 3145728 bytes of message", outcome.Reply, StringComparison.Ordinal);
        Assert.Empty(_kit.Graph.Requests);
        Assert.Empty(_kit.Office365.Messages);
    }

    [Fact]
    public async Task Send_OverGraphsRequestLimit_WithLargeMessagesBySmtp_GoesBySmtpWithTheSmtpTokens()
    {
        var message = Message(body: Big(GraphLimits.MaxMessageBytes));

        var (_, outcome) = await SendAsync(message, ["user@example.net", "hidden@example.org"], largeMessagesBySmtp: true);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Empty(_kit.Graph.Requests);
        var received = Assert.Single(_kit.Office365.Messages);
        Assert.Equal((Mailbox, "smtp-1"), (received.AuthUser, received.AccessToken)); // the SMTP resource's token, not Graph's
        Assert.Equal(["user@example.net", "hidden@example.org"], received.Recipients);
        Assert.DoesNotContain("hidden@example.org", received.Text, StringComparison.Ordinal); // a true envelope: no Bcc header
        Assert.Contains(_kit.Logs.Lines, line => line.Contains("[4204]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_SmallMessage_WithLargeMessagesBySmtp_StillGoesByGraph()
    {
        var (_, outcome) = await SendAsync(Message(), ["user@example.net"], largeMessagesBySmtp: true);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Single(_kit.Graph.Sent);
        Assert.Empty(_kit.Office365.Messages);
    }

    /// <summary>A body of plain 76-character lines that takes the message just over <paramref name="limit"/> bytes.</summary>
    private static string Big(long limit)
    {
        var line = new string('a', 76) + "\r\n";
        return string.Concat(Enumerable.Repeat(line, (int)(limit / line.Length) + 1));
    }
}
