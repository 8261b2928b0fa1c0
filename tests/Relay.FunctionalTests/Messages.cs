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
            .Sum(folder => Directory.GetFiles(folder, "*" + Relay.Spool.SpoolFolders.EntryExtension, SearchOption.AllDirectories).Length);

    public static string EntryPath(string dataPath, string folder, string id) => Relay.Spool.SpoolFolders.Entry(Path.Combine(dataPath, "spool", folder), id);

    /// <summary>The message of a spool entry as the relay keeps it: the bytes it received.</summary>
    public static byte[] Bytes(string dataPath, string folder, string id)
    {
        using var message = Relay.Spool.SpoolFile.OpenMessage(EntryPath(dataPath, folder, id));
        using var copy = new MemoryStream();
        message.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The envelope of a spool entry as it is on disk.</summary>
    public static Relay.Spool.SpoolEntry Envelope(string dataPath, string folder, string id) =>
        Relay.Spool.SpoolFile.Read(EntryPath(dataPath, folder, id)) ?? throw new InvalidOperationException($"{EntryPath(dataPath, folder, id)} is not a spool entry");

    /// <summary>
    /// Turns a queued entry into what versions before .entry files kept: <c>ID.json</c> (its envelope, as
    /// <paramref name="edit"/> leaves it) beside <c>ID.eml</c> (the message).
    /// </summary>
    public static void WriteAsEarlierVersion(string dataPath, string id, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var queue = Path.Combine(dataPath, "spool", "queue");
        var envelope = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Envelope(dataPath, "queue", id), Relay.Spool.SpoolJson.Options))!.AsObject();
        edit(envelope);
        File.WriteAllBytes(Path.Combine(queue, id + ".eml"), Bytes(dataPath, "queue", id));
        File.WriteAllText(Path.Combine(queue, id + ".json"), envelope.ToJsonString());
        File.Delete(EntryPath(dataPath, "queue", id));
    }
}
