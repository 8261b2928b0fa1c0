using System.Text;
using MimeKit;
using Relay.Rewrite;

namespace Relay.Tests.Rewrite;

public sealed class FromRewriterTests
{
    private const string Account = "relay.account@example.com";
    private static readonly string[] Aliases = ["helpdesk@example.com"];
    private static readonly string[] ChangedFields = ["From", "Reply-To", "Sender", "Bcc"];

    [Theory]
    [InlineData("multipart-attachment.eml", "Jean Dupont", "jean@glpi.local")]
    [InlineData("utf8-display-name.eml", "Zoë Ölçer", "zoe@printer.lan")]
    [InlineData("encoded-word-display-name.eml", "André Pirard", "pirard@vm1.ulg.ac.be")]
    [InlineData("folded-headers.eml", "Service Desk (automatic notifications, do not reply)", "servicedesk-notifications@erp.internal.example")]
    [InlineData("at-in-display-name.eml", "scanner@office", "scanner@office.lan")]
    public void Rewrite_ForeignFrom_BecomesTheAccountWithTheDisplayNameAndReplyTo(string fixture, string displayName, string originalAddress)
    {
        var (original, message) = Load(fixture);

        var result = FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: true);

        var from = Assert.Single(message.From.Mailboxes);
        Assert.Equal(Account, from.Address);
        Assert.Equal(displayName, from.Name);
        var replyTo = Assert.Single(message.ReplyTo.Mailboxes);
        Assert.Equal(originalAddress, replyTo.Address);
        Assert.True(result.FromRewritten);
        Assert.Equal(originalAddress, result.OriginalFrom?.Address);
        Assert.Equal(Account, result.EnvelopeSender.Address);
        AssertUnchangedExceptRewrittenFields(original, message);
    }

    [Fact]
    public void Rewrite_RewrittenFrom_StaysInPlace_AndReplyToComesLast()
    {
        var (_, message) = Load("multipart-attachment.eml");

        FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: true);

        var serialized = Serialize(message);
        var fields = serialized[..serialized.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n")
            .Where(line => !line.StartsWith('\t') && !line.StartsWith(' '))
            .Select(line => line[..line.IndexOf(':', StringComparison.Ordinal)]);
        Assert.Equal(["Return-Path", "Received", "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", "X-Mailer", "Reply-To"], fields);
    }

    [Fact]
    public void Rewrite_ExistingReplyToAndForeignSender_KeepsReplyToReplacesSenderDropsBcc()
    {
        var (original, message) = Load("with-reply-to-and-sender.eml");

        FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: true);

        Assert.Equal("admins@example.org", Assert.Single(message.ReplyTo.Mailboxes).Address);
        Assert.Equal(Account, message.Sender?.Address);
        Assert.Equal("Cron Daemon", message.From.Mailboxes.Single().Name);
        Assert.False(message.Headers.Contains(HeaderId.Bcc));
        Assert.DoesNotContain("audit@example.org", Serialize(message), StringComparison.Ordinal);
        AssertUnchangedExceptRewrittenFields(original, message);
    }

    [Fact]
    public void Rewrite_ReplyToTurnedOff_AddsNoReplyTo()
    {
        var (_, message) = Load("at-in-display-name.eml");

        FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: false);

        Assert.Empty(message.ReplyTo);
        Assert.Equal(Account, message.From.Mailboxes.Single().Address);
    }

    [Fact]
    public void Rewrite_FromIsAVerifiedAlias_KeepsFromButMakesSenderTheAccount()
    {
        var (original, message) = Load("from-alias.eml");

        var result = FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: true);

        Assert.False(result.FromRewritten);
        Assert.Equal("HelpDesk@Example.com", message.From.Mailboxes.Single().Address);
        Assert.Empty(message.ReplyTo);
        Assert.Equal(Account, message.Sender?.Address);
        Assert.Equal(Account, result.EnvelopeSender.Address);
        AssertUnchangedExceptRewrittenFields(original, message);
    }

    [Fact]
    public void Rewrite_FromIsTheAccountInAnotherCase_IsLeftAlone()
    {
        var message = MimeMessage.Load(new MemoryStream("From: Relay <Relay.Account@Example.com>\r\nSubject: x\r\n\r\nbody\r\n"u8.ToArray()));

        var result = FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: true);

        Assert.False(result.FromRewritten);
        Assert.Equal("From: Relay <Relay.Account@Example.com>\r\nSubject: x\r\n\r\nbody\r\n", Serialize(message));
    }

    [Fact]
    public void Rewrite_NoFromHeader_AddsTheAccount()
    {
        var (original, message) = Load("no-from.eml");

        FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: true);

        Assert.Equal(Account, message.From.Mailboxes.Single().Address);
        Assert.Empty(message.ReplyTo);
        AssertUnchangedExceptRewrittenFields(original, message);
    }

    [Fact]
    public void Rewrite_HeaderInjectionAttemptInDisplayName_CannotAddHeaders()
    {
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(
            "From: \"Evil\\r\\nBcc: victim@example.org\" <evil@x.example>\r\nSubject: x\r\n\r\nbody\r\n")));

        FromRewriter.Rewrite(message, Account, Aliases, addReplyTo: true);

        Assert.Equal(Account, message.From.Mailboxes.Single().Address);
        Assert.Single(message.Headers, h => h.Id == HeaderId.From);
        Assert.Empty(message.Bcc);
    }

    private static (byte[] Original, MimeMessage Message) Load(string fixture)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Rewrite", "TestData", fixture));
        return (bytes, MimeMessage.Load(new MemoryStream(bytes)));
    }

    private static string Serialize(MimeMessage message)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos; // as on the SMTP wire
        using var output = new MemoryStream();
        message.WriteTo(options, output);
        return Encoding.Latin1.GetString(output.ToArray());
    }

    /// <summary>Byte for byte, once the fields the rewrite may touch are taken out of both.</summary>
    private static void AssertUnchangedExceptRewrittenFields(byte[] original, MimeMessage rewritten) =>
        Assert.Equal(WithoutFields(Encoding.Latin1.GetString(original)), WithoutFields(Serialize(rewritten)));

    private static string WithoutFields(string raw)
    {
        var end = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2;
        var kept = new StringBuilder();
        var skipping = false;
        foreach (var line in raw[..end].Split("\r\n")[..^1])
        {
            var continuation = line.StartsWith(' ') || line.StartsWith('\t');
            if (!continuation)
            {
                skipping = ChangedFields.Any(f => line.StartsWith(f + ":", StringComparison.OrdinalIgnoreCase));
            }

            if (!skipping)
            {
                kept.Append(line).Append("\r\n");
            }
        }

        return kept + raw[end..];
    }
}
