using System.Text;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// A relay with a Microsoft account on the Graph transport refuses at the end of DATA what Graph cannot carry: a message
/// over Graph's 4 MB request (unless the account sends large messages by SMTP), and a header recipient the envelope
/// does not name (Graph sends to the headers, as the Gmail API). Nothing is spooled for a refused message.
/// </summary>
public sealed class GraphDataRefusalTests : IAsyncLifetime
{
    private const string Mailbox = "helpdesk@contoso.example";

    internal RelayHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() => Harness = await RelayHarness.StartAsync();

    public async Task DisposeAsync() => await Harness.DisposeAsync();

    private static Action<Dictionary<string, string?>> GraphAccount(bool largeMessagesBySmtp = false) => settings =>
    {
        settings.Remove("Relay:Account:Address");
        settings.Remove("Relay:Google:RefreshToken");
        settings["Relay:Accounts:0:Name"] = "m365";
        settings["Relay:Accounts:0:Provider"] = "Microsoft";
        settings["Relay:Accounts:0:Transport"] = "Graph";
        settings["Relay:Accounts:0:Address"] = Mailbox;
        settings["Relay:Accounts:0:LargeMessagesBySmtp"] = largeMessagesBySmtp ? "true" : "false";
        settings["Relay:Microsoft:ClientId"] = "00000000-0000-0000-0000-000000000001";
        settings["Relay:Microsoft:ClientSecret"] = "test-secret";
    };

    private static byte[] Message(int bodyBytes, string extraHeaders = "")
    {
        var text = new StringBuilder($"From: {ClientShapedMessages.Sender}\r\nTo: alice@example.org\r\n{extraHeaders}Subject: report\r\n\r\n");
        var line = new string('a', 76) + "\r\n";
        for (var written = 0; written < bodyBytes; written += line.Length)
        {
            text.Append(line);
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static async Task<string> SendAsync(RelayInstance relay, byte[] message, string expected, params string[] recipients)
    {
        using var smtp = await RawSmtp.ConnectAsync(relay.SmtpPort);
        await smtp.SendAsync("EHLO legacy.local", "250");
        await smtp.SendAsync($"MAIL FROM:<{ClientShapedMessages.Sender}>", "250");
        foreach (var recipient in recipients)
        {
            await smtp.SendAsync($"RCPT TO:<{recipient}>", "250");
        }

        await smtp.SendAsync("DATA", "354");
        return await smtp.SendMessageAsync(message, expected);
    }

    [Fact]
    public async Task GraphAccount_RefusesWhatGraphCannotCarry_AndSpoolsNothingOfIt_ButTakesTheRest()
    {
        await using var relay = await Harness.StartRelayAsync(GraphAccount());

        var tooBig = await SendAsync(relay, Message(3_200_000), "552", "alice@example.org");
        var headerOnly = await SendAsync(relay, Message(100, "Cc: mallory@example.org\r\n"), "550", "alice@example.org");

        Assert.StartsWith("552 5.3.4 Message too big for this account: it is ", tooBig, StringComparison.Ordinal);
        Assert.Contains("Microsoft Graph, which takes at most 3145728 bytes of message (a 4 MB request)", tooBig, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", tooBig, StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1 this account sends through Microsoft Graph, which sends to every address in To, Cc and Bcc; ", headerOnly, StringComparison.Ordinal);
        Assert.Contains("mallory@example.org is in the Cc header but not among the RCPT TO recipients", headerOnly, StringComparison.Ordinal);
        Assert.Empty(relay.Spool.List());

        var underTheLimit = await SendAsync(relay, Message(3_000_000), "250", "alice@example.org");

        Assert.StartsWith("250 2.0.0 Ok: queued as ", underTheLimit, StringComparison.Ordinal);
        Assert.Single(relay.Spool.List());
    }

    [Fact]
    public async Task JustUnderGraphsLimitAsReceived_ButOverItAsItWouldBeSent_IsRefusedAtData_NotDeadLetteredLater()
    {
        await using var relay = await Harness.StartRelayAsync(GraphAccount());
        var header = Encoding.ASCII.GetBytes($"From: {ClientShapedMessages.Sender}\r\nTo: alice@example.org\r\nSubject: report\r\n\r\n");
        var message = new byte[Relay.Outbound.Graph.GraphLimits.MaxMessageBytes - 10];
        header.CopyTo(message, 0);
        for (var i = header.Length; i < message.Length; i++)
        {
            message[i] = (i - header.Length) % 78 is 76 ? (byte)'\r' : (i - header.Length) % 78 is 77 ? (byte)'\n' : (byte)'a';
        }

        message[^2] = (byte)'\r';
        message[^1] = (byte)'\n';

        // 10 bytes under as received; the Reply-To the rewrite adds and the Bcc for bob take it over as it would be sent.
        var reply = await SendAsync(relay, message, "552", "alice@example.org", "bob@example.org");

        Assert.StartsWith("552 5.3.4 Message too big for this account: it is ", reply, StringComparison.Ordinal);
        Assert.Empty(relay.Spool.List());
    }

    [Fact]
    public async Task AnAccountRoutedByHeaderSender_ItsOwnRecipientLimit_IsCheckedAtData()
    {
        await using var relay = await Harness.StartRelayAsync(settings =>
        {
            GraphAccount()(settings);
            settings["Relay:Accounts:0:Senders:0"] = ClientShapedMessages.Sender; // routed by sender: the route, and its limit, are known only at the end of DATA
            settings["Relay:Accounts:0:Quota:MaxRecipientsPerMessage"] = "2";
        });

        var refused = await SendAsync(relay, Message(100, "Cc: bob@example.org, carol@example.org\r\n"), "550", "alice@example.org", "bob@example.org", "carol@example.org");

        Assert.Contains("at most 2 per message; this message has 3 recipients", refused, StringComparison.Ordinal);
        Assert.Empty(relay.Spool.List());
    }

    [Fact]
    public async Task OverGraphsLimit_WithLargeMessagesBySmtp_IsQueued()
    {
        await using var relay = await Harness.StartRelayAsync(GraphAccount(largeMessagesBySmtp: true));

        var reply = await SendAsync(relay, Message(3_200_000), "250", "alice@example.org");

        Assert.StartsWith("250 2.0.0 Ok: queued as ", reply, StringComparison.Ordinal);
        Assert.Single(relay.Spool.List());
    }
}
