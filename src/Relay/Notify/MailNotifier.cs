using System.Buffers;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;
using Relay.Accounts;
using Relay.Spool;

namespace Relay.Notify;

/// <summary>
/// Tells by e-mail: a short plain-text message from the relay's own account to <see cref="NotifyOptions.To"/>, put in
/// the relay's own spool so that it goes the normal way (rewrite, retries, holds). The entry is marked
/// <see cref="SpoolEntry.Notification"/> and the message carries <see cref="Header"/>.
/// </summary>
internal sealed class MailNotifier(
    FileSpool spool,
    AccountSet accounts,
    IOptions<NotifyOptions> options,
    TimeProvider time,
    ILogger<MailNotifier> logger) : INotifier
{
    public const string Header = "X-Relay-Notification";

    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.To);

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var account = accounts.ForNotices;
        if ((account.Tokens.Account ?? account.Settings.Address) is not { Length: > 0 } sender)
        {
            NotifyLog.NoSender(logger, notification.Kind);
            return;
        }

        var to = options.Value.To!;
        try
        {
            var bytes = Compose(notification, sender, to);
            var now = time.GetUtcNow();
            var entry = await spool.EnqueueAsync(
                new SpoolEntry { Id = string.Empty, MailFrom = sender, Recipients = [to], ReceivedAt = now, Notification = true, Account = account.Name },
                new ReadOnlySequence<byte>(bytes),
                ReadOnlyMemory<byte>.Empty,
                cancellationToken);
            NotifyLog.MailQueued(logger, entry.Id, notification.Kind, to);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ParseException)
        {
            NotifyLog.MailNotQueued(logger, notification.Kind, ex.Message);
        }
    }

    internal static byte[] Compose(Notification notification, string sender, string to)
    {
        var message = new MimeMessage
        {
            Subject = notification.Subject,
            Date = notification.At,
            MessageId = MimeUtils.GenerateMessageId(MailboxAddress.Parse(sender).Domain),
            Body = new TextPart("plain") { Text = notification.Text },
        };
        message.From.Add(MailboxAddress.Parse(sender));
        message.To.Add(MailboxAddress.Parse(to));
        message.Headers.Add(Header, notification.Kind.ToString());
        message.Headers.Add("Auto-Submitted", "auto-generated");

        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var buffer = new MemoryStream();
        message.WriteTo(format, buffer);
        return buffer.ToArray();
    }
}
