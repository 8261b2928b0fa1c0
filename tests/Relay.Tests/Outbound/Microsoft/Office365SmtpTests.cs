using Relay.Accounts;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.Tests.Outbound.Microsoft;

/// <summary>A Microsoft account's SMTP transport against the fake smtp.office365.com: the host it picks, and what each of Office 365's refusals becomes.</summary>
public sealed class Office365SmtpTests : IAsyncLifetime
{
    private const string Message = "From: App <app@legacy.lan>\r\nTo: user@example.net\r\nSubject: ticket\r\n\r\nbody\r\n";

    private MicrosoftTransportKit _kit = null!;

    public async Task InitializeAsync() => _kit = await MicrosoftTransportKit.StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private async Task<(RelayAccount Account, DeliveryOutcome Outcome)> SendAsync(string message = Message, IReadOnlyList<string>? aliases = null)
    {
        var account = _kit.Account(AccountTransport.Smtp, aliases: aliases);
        var entry = await _kit.EnqueueAsync(message, "user@example.net");
        await using var transport = _kit.Transport(account);
        var outcome = await transport.SendAsync(MicrosoftTransportKit.Mailbox, entry, CancellationToken.None);
        await _kit.Recorder.RecordAsync(account, MicrosoftTransportKit.Mailbox, entry, outcome);
        return (account, outcome);
    }

    [Fact]
    public async Task Send_MicrosoftAccount_GoesToTheMicrosoftHostAsTheMailbox()
    {
        // Relay:Outbound:Host/Port (Google's) point at a closed port: only Relay:Microsoft:SmtpHost/SmtpPort can have worked.
        var (_, outcome) = await SendAsync();

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        var received = Assert.Single(_kit.Office365.Messages);
        Assert.Equal((MicrosoftTransportKit.Mailbox, "smtp-1"), (received.AuthUser, received.AccessToken));
        Assert.Equal(["user@example.net"], received.Recipients);
        Assert.Contains("From: App <helpdesk@contoso.example>", received.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TokenRefused535_5_7_3_RefreshesOnceAndDelivers()
    {
        _kit.ValidSmtpToken = "smtp-2";

        var (_, outcome) = await SendAsync();

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Equal(1, _kit.SmtpTokens.Refreshes);
        Assert.Equal(1, _kit.Office365.RefusedTokens);
        Assert.Equal("smtp-2", Assert.Single(_kit.Office365.Messages).AccessToken);
    }

    [Fact]
    public async Task Send_TokenRefusedAfterTheRefresh_HoldsTheAccountWithTheFix()
    {
        _kit.ValidSmtpToken = "never";

        var (account, outcome) = await SendAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Equal(1, _kit.SmtpTokens.Refreshes);
        Assert.Equal(2, _kit.Office365.AuthAttempts);
        Assert.Contains("535 5.7.3 Authentication unsuccessful", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("SMTP.Send", outcome.Reply, StringComparison.Ordinal);
        Assert.DoesNotContain("mail.google.com", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(HoldReason.Authorization, account.Gate.State.Reason);
        Assert.Empty(_kit.Office365.Messages);
        Assert.DoesNotContain("smtp-1", _kit.Logs.All, StringComparison.Ordinal); // no token in any log line
        Assert.DoesNotContain("smtp-2", _kit.Logs.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FakeGmailServer.SmtpAuthDisabledReply)]
    [InlineData(FakeGmailServer.SecurityDefaultsReply)]
    public async Task Send_SmtpAuthDisabled_HoldsTheAccountWithTheFix_WithoutARefresh(string reply)
    {
        _kit.Office365.AuthReply = reply;

        var (account, outcome) = await SendAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Equal(0, _kit.SmtpTokens.Refreshes); // a new token cannot turn SMTP AUTH on
        Assert.Equal(1, _kit.Office365.AuthAttempts);
        const string fix = "Set-CASMailbox -Identity helpdesk@contoso.example -SmtpClientAuthenticationDisabled $false";
        Assert.Contains("535 5.7.139", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains(fix, outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("security defaults", outcome.Reply, StringComparison.Ordinal);

        // What the status page and /readyz show (the hold's detail), and the log line, both carry the fix, not "authorize again".
        Assert.Equal(HoldReason.Authorization, account.Gate.State.Reason);
        Assert.Contains(fix, account.Gate.State.Detail, StringComparison.Ordinal);
        var held = Assert.Single(_kit.Logs.Lines, line => line.Contains("[4004]", StringComparison.Ordinal));
        Assert.Contains("To fix it, turn SMTP AUTH on for the mailbox", held, StringComparison.Ordinal);
        Assert.DoesNotContain("authorize the account again.", held, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_BasicAuthRefused550_5_7_30_HoldsWithItsExplanation_WithoutARefresh()
    {
        _kit.Office365.AuthReply = FakeGmailServer.BasicAuthReply;

        var (account, outcome) = await SendAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Equal(0, _kit.SmtpTokens.Refreshes);
        Assert.Contains("550 5.7.30", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("no password (basic authentication)", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("no password (basic authentication)", account.Gate.State.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_FromAnAliasWithoutSendAs_IsRejectedPermanentlyWithTheHint()
    {
        // The alias is listed in the account (so the rewrite keeps it), but Exchange has not granted Send As for it.
        var (account, outcome) = await SendAsync("From: Sales <sales@contoso.example>\r\nTo: user@example.net\r\nSubject: quote\r\n\r\nbody\r\n", ["sales@contoso.example"]);

        Assert.Equal(DeliveryResult.Rejected, outcome.Result);
        Assert.StartsWith("554 5.2.252 SendAsDenied", outcome.Reply, StringComparison.Ordinal);
        Assert.Contains("the From must be the mailbox or a Send As address listed in the account's Aliases", outcome.Reply, StringComparison.Ordinal);
        Assert.Equal(HoldReason.None, account.Gate.State.Reason); // one message's From, not the account's fault
        Assert.Equal(1, _kit.Spool.DeadCount);
    }

    [Fact]
    public async Task Send_FromAnAliasWithSendAs_KeepsTheAlias()
    {
        _kit.Office365.SendAs.Add("sales@contoso.example");

        var (_, outcome) = await SendAsync("From: Sales <sales@contoso.example>\r\nTo: user@example.net\r\nSubject: quote\r\n\r\nbody\r\n", ["sales@contoso.example"]);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Contains("From: Sales <sales@contoso.example>", Assert.Single(_kit.Office365.Messages).Text, StringComparison.Ordinal);
    }
}
