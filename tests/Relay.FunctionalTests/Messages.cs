using System.Text;
using MimeKit;

namespace Relay.FunctionalTests;

internal static class Messages
{
    public static MimeMessage Simple(string subject = "Ticket #42 updated", string from = "GLPI Helpdesk <glpi@helpdesk.local>")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("alice@example.org"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Le ticket a été mis à jour.\r\n.leading dot line\r\n" };
        return message;
    }

    /// <summary>Splits raw message bytes into header block and body, read as Latin-1 so every byte maps to one char.</summary>
    public static (string Headers, string Body) Split(byte[] raw)
    {
        var text = Encoding.Latin1.GetString(raw);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (text[..(end + 2)], text[(end + 4)..]);
    }
}

/// <summary>
/// What the spool holds on disk, wherever an entry went (queue, delivered archive, dead letters): for "nothing was
/// stored" checks that do not race the delivery worker. Relays using it run with <c>Relay:Spool:Delivered=Archive</c>.
/// </summary>
internal static class StoredMessages
{
    public const string ArchiveSetting = "Relay:Spool:Delivered";

    public static int Count(string dataPath) =>
        new[] { "queue", "delivered", "dead" }
            .Select(folder => Path.Combine(dataPath, "spool", folder))
            .Where(Directory.Exists)
            .Sum(folder => Directory.GetFiles(folder, "*.eml", SearchOption.AllDirectories).Length);
}
