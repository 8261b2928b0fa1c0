namespace Relay.Spool;

/// <summary>
/// Where the spool keeps what, under <c>DATA/spool</c>: <c>incoming</c> (entries being written, never acknowledged),
/// <c>queue</c> (waiting for delivery), <c>delivered</c> (kept when archiving), <c>dead</c> and <c>corrupt</c>. An entry
/// is one file, <c>ID.entry</c> (<see cref="SpoolFile"/>). Spools written before it kept <c>ID.eml</c>, the message,
/// beside <c>ID.json</c>, its envelope: <see cref="SpoolRecovery"/> turns those into entries at start.
/// </summary>
internal sealed class SpoolFolders(string dataPath)
{
    public string Root { get; } = Path.GetFullPath(Path.Combine(dataPath, "spool"));
    public string Incoming => Path.Combine(Root, "incoming");
    public string Queue => Path.Combine(Root, "queue");
    public string Delivered => Path.Combine(Root, "delivered");
    public string Dead => Path.Combine(Root, "dead");
    public string Corrupt => Path.Combine(Root, "corrupt");

    public const string EntryExtension = ".entry";

    public static string Entry(string folder, string id) => Path.Combine(folder, id + EntryExtension);

    /// <summary>The message file of an entry written before <see cref="Entry"/> files.</summary>
    public static string Message(string folder, string id) => Path.Combine(folder, id + ".eml");

    /// <summary>The envelope file of an entry written before <see cref="Entry"/> files.</summary>
    public static string Envelope(string folder, string id) => Path.Combine(folder, id + ".json");
}
