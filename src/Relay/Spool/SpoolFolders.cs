namespace Relay.Spool;

/// <summary>
/// Where the spool keeps what, under <c>DATA/spool</c>: <c>incoming</c> (envelopes being written, never acknowledged),
/// <c>queue</c> (waiting for delivery), <c>delivered</c> (kept when archiving), <c>dead</c> and <c>corrupt</c>. A message
/// is <c>ID.eml</c>, the bytes exactly as received, beside <c>ID.json</c>, its <see cref="SpoolEntry"/>.
/// </summary>
internal sealed class SpoolFolders(string dataPath)
{
    public string Root { get; } = Path.GetFullPath(Path.Combine(dataPath, "spool"));
    public string Incoming => Path.Combine(Root, "incoming");
    public string Queue => Path.Combine(Root, "queue");
    public string Delivered => Path.Combine(Root, "delivered");
    public string Dead => Path.Combine(Root, "dead");
    public string Corrupt => Path.Combine(Root, "corrupt");

    public static string Message(string folder, string id) => Path.Combine(folder, id + ".eml");
    public static string Envelope(string folder, string id) => Path.Combine(folder, id + ".json");
}
