using System.Net;
using MimeKit;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// A Google and two Microsoft accounts in one relay, as a GLPI, a cron job and a scanner would use it: each message is
/// routed by its sender and goes out as its own account, through its own upstream (smtp.gmail.com, Microsoft Graph,
/// smtp.office365.com), with the From rewritten to that account's mailbox and the original kept as Reply-To; and each
/// account counts against its own provider's limits.
/// </summary>
public sealed class MicrosoftEndToEndTests : IAsyncLifetime
{
    private RelayHarness _harness = null!;
    private FakeMicrosoftIdentityServer _identity = null!;
    private FakeGmailServer _office365 = null!;
    private FakeGraphServer _graph = null!;

    public async Task InitializeAsync()
    {
        _harness = await RelayHarness.StartAsync();
        _identity = await FakeMicrosoftIdentityServer.StartAsync();
        _office365 = FakeGmailServer.Office365(TestCertificates.Server, _identity.IsValidFor);
        _graph = await FakeGraphServer.StartAsync((mailbox, token) => _identity.IsValidFor(mailbox, token));
    }

    public async Task DisposeAsync()
    {
        await _graph.DisposeAsync();
        await _office365.DisposeAsync();
        await _identity.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task GoogleAndMicrosoftAccounts_InOneRelay_EachMessageGoesOutAsItsOwnAccount()
    {
        await using var relay = await _harness.StartRelayAsync(s =>
        {
            _identity.ConfigureAlone(s, _office365.Port);
            s["Relay:Microsoft:GraphUrl"] = _graph.BaseUrl;
            s["Relay:Accounts:0:Name"] = "gmail";
            s["Relay:Accounts:0:Address"] = RelayHarness.Account;
            s["Relay:Accounts:0:RefreshToken"] = FakeGoogleOAuthServer.RefreshToken;
            s["Relay:Accounts:0:Senders:0"] = "@cron.local";
            s["Relay:Accounts:1:Name"] = "helpdesk";
            s["Relay:Accounts:1:Provider"] = "Microsoft";
            s["Relay:Accounts:1:Transport"] = "Graph";
            s["Relay:Accounts:1:Senders:0"] = "glpi@helpdesk.local";
            s["Relay:Accounts:2:Name"] = "scanner";
            s["Relay:Accounts:2:Provider"] = "Microsoft";
            s["Relay:Accounts:2:AppOnly"] = "true";
            s["Relay:Accounts:2:Tenant"] = FakeMicrosoftIdentityServer.TenantId;
            s["Relay:Accounts:2:Address"] = FakeMicrosoftIdentityServer.AppMailbox;
            s["Relay:Accounts:2:Senders:0"] = "scanner@office.lan";
            s["Relay:Quota:Preset"] = "Consumer"; // Gmail's numbers: the Google account's, not the Microsoft ones'
            s["Relay:Quota:MaxMessages"] = "1000";
        });

        // The helpdesk mailbox is authorized once, in the browser; the other two need no one.
        using (var browser = await WebSession.SignedInAsync(relay))
        {
            var toMicrosoft = await browser.PostFormAsync("/authorize?account=helpdesk", "/authorize", new Dictionary<string, string> { ["account"] = "helpdesk" });
            var back = await FakeMicrosoftIdentityServer.ConsentAsync(toMicrosoft.Headers.Location!.ToString());
            Assert.Contains($"{FakeMicrosoftIdentityServer.DefaultMailbox} is authorized for the account 'helpdesk'", WebUtility.HtmlDecode(await browser.GetTextAsync(back)), StringComparison.Ordinal);
        }

        await relay.SendAsync(Message("Nightly backup <backup@cron.local>", "backup done"));
        await relay.SendAsync(Message("GLPI Helpdesk <glpi@helpdesk.local>", "[GLPI #42] New ticket"));
        await relay.SendAsync(Message("Copier 3rd floor <scanner@office.lan>", "Scan to mail"));

        var gmail = await _harness.Gmail.NextMessageAsync();
        var graph = await _graph.NextAsync();
        var office365 = await _office365.NextMessageAsync();

        Assert.Equal(RelayHarness.Account, gmail.AuthUser);
        AssertSentAs(gmail.Data, "backup done", "Nightly backup", RelayHarness.Account, "backup@cron.local");
        Assert.Equal(FakeMicrosoftIdentityServer.DefaultMailbox, graph.Mailbox);
        AssertSentAs(graph.Raw, "[GLPI #42] New ticket", "GLPI Helpdesk", FakeMicrosoftIdentityServer.DefaultMailbox, "glpi@helpdesk.local");
        Assert.Equal(["alice@example.org"], graph.Recipients);
        Assert.Equal((FakeMicrosoftIdentityServer.AppMailbox, FakeMicrosoftIdentityServer.AppMailbox), (office365.AuthUser, office365.MailFrom));
        AssertSentAs(office365.Data, "Scan to mail", "Copier 3rd floor", FakeMicrosoftIdentityServer.AppMailbox, "scanner@office.lan");
        Assert.Equal(FakeMicrosoftIdentityServer.SmtpAppScope, _identity.ScopeOf(office365.AccessToken));
        for (var i = 0; i < 3; i++)
        {
            await relay.NextOutcomeAsync(outcome => outcome.Result == Relay.Outbound.DeliveryResult.Delivered); // each recorded, not only received
        }

        Assert.Single(_graph.Sent); // nothing went out through another account's upstream
        Assert.Empty(relay.Spool.Waiting());

        // Each account counts against its own provider's limits: Relay:Quota for the Google account, Exchange Online's for the others.
        Assert.Equal((1, 1000, 500), (relay.Account("gmail").Quota.Usage.Messages, relay.Account("gmail").Quota.Usage.MessageLimit, relay.Account("gmail").Quota.Usage.RecipientLimit));
        Assert.Null(relay.Account("gmail").Quota.RecipientsPerMessage);
        foreach (var name in new[] { "helpdesk", "scanner" })
        {
            var quota = relay.Account(name).Quota;
            Assert.Equal((1, 10000, 500), (quota.Usage.Messages, quota.Usage.RecipientLimit, quota.RecipientsPerMessage));
            Assert.EndsWith("1/30 messages in the last minute", quota.Describe(), StringComparison.Ordinal);
        }
    }

    private static MimeMessage Message(string from, string subject)
    {
        var message = new MimeMessage { Subject = subject };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(new MailboxAddress("Alice", "alice@example.org"));
        message.Body = new TextPart("plain") { Text = $"{subject}\r\n" };
        return message;
    }

    /// <summary>The message that arrived is <paramref name="subject"/>, from the account's mailbox with the sender's display name kept, and replies go to the original sender.</summary>
    private static void AssertSentAs(byte[] data, string subject, string displayName, string mailbox, string originalSender)
    {
        using var stream = new MemoryStream(data);
        var message = MimeMessage.Load(stream);
        Assert.Equal(subject, message.Subject);
        var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
        Assert.Equal((displayName, mailbox), (from.Name, from.Address));
        Assert.Equal(originalSender, Assert.IsType<MailboxAddress>(Assert.Single(message.ReplyTo)).Address);
    }
}
