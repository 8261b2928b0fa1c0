using System.Globalization;
using System.Text.RegularExpressions;

namespace Relay.Benchmarks;

internal enum LoadKind
{
    /// <summary>Each connection stays open and sends its messages one after the other.</summary>
    Sessions,

    /// <summary>Connect, EHLO, MAIL, RCPT, DATA, QUIT for every message, as most legacy applications send.</summary>
    ConnectionPerMessage,

    /// <summary>Large messages all at once from one client process, relay only: peak memory and 452 retries.</summary>
    Memory,
}

/// <summary>One load: <see cref="Connections"/> concurrent senders, each sending <see cref="PerConnection"/> messages of about <see cref="MessageBytes"/> bytes.</summary>
internal sealed partial record BenchLoad(string Name, LoadKind Kind, int Connections, int PerConnection, int MessageBytes)
{
    public const int TwoKiB = 2 * 1024;

    /// <summary>The loads of issue 13, in the order they run.</summary>
    public static IReadOnlyList<BenchLoad> Standard { get; } =
    [
        new("1x500x2k", LoadKind.Sessions, 1, 500, TwoKiB),
        new("20x100x2k", LoadKind.Sessions, 20, 100, TwoKiB),
        new("4x10x5m", LoadKind.Sessions, 4, 10, 5 * 1024 * 1024),
        new("cpm-1x100", LoadKind.ConnectionPerMessage, 1, 100, TwoKiB),
        new("cpm-10x30", LoadKind.ConnectionPerMessage, 10, 30, TwoKiB),
        new("memory-20x35m", LoadKind.Memory, 20, 1, 35_000_000),
    ];

    public int Messages => Connections * PerConnection;

    /// <summary>How the README's table names the load.</summary>
    public string Label => Kind switch
    {
        LoadKind.Sessions => $"{Connections} connection{(Connections == 1 ? "" : "s")} × {PerConnection} × {Size(MessageBytes)}",
        LoadKind.ConnectionPerMessage => $"connection per message, {Connections} client{(Connections == 1 ? "" : "s")} × {PerConnection}",
        _ => $"{Connections} concurrent × {MessageBytes / 1_000_000} MB, one client process",
    };

    /// <summary>The same load with fewer messages: per connection (sessions, connection per message) or concurrent (memory); at least one.</summary>
    public BenchLoad Scaled(double scale) => Kind == LoadKind.Memory
        ? this with { Connections = Math.Max(1, (int)Math.Round(Connections * scale)) }
        : this with { PerConnection = Math.Max(1, (int)Math.Round(PerConnection * scale)) };

    /// <summary>
    /// A standard name (<c>20x100x2k</c>, <c>cpm-10x30</c>, <c>memory-20x35m</c>) or one of the same shapes with other
    /// numbers: <c>CxNxS</c> (S in KiB, or with a <c>k</c> or <c>m</c> suffix), <c>cpm-CxN</c> (2 KiB), <c>memory-CxM</c> (M in MB).
    /// </summary>
    public static BenchLoad Parse(string text)
    {
        var name = text.Trim().ToLowerInvariant();
        if (Standard.FirstOrDefault(l => l.Name == name) is { } standard)
        {
            return standard;
        }

        if (SessionsShape().Match(name) is { Success: true } sessions)
        {
            var unit = sessions.Groups[4].Value == "m" ? 1024 * 1024 : 1024;
            return new(name, LoadKind.Sessions, Number(sessions, 1), Number(sessions, 2), checked(Number(sessions, 3) * unit));
        }

        if (PerMessageShape().Match(name) is { Success: true } perMessage)
        {
            return new(name, LoadKind.ConnectionPerMessage, Number(perMessage, 1), Number(perMessage, 2), TwoKiB);
        }

        if (MemoryShape().Match(name) is { Success: true } memory)
        {
            return new(name, LoadKind.Memory, Number(memory, 1), 1, checked(Number(memory, 2) * 1_000_000));
        }

        throw new ArgumentException(
            $"Unknown load '{text}'. Use one of {string.Join(", ", Standard.Select(l => l.Name))}, or the shapes CxNxS (S in KiB, or 5m for MiB), cpm-CxN, memory-CxM (M in MB).");
    }

    private static int Number(Match match, int group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) switch
    {
        > 0 and var n => n,
        _ => throw new ArgumentException($"Load '{match.Value}': every number must be positive."),
    };

    private static string Size(int bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes / 1024} KiB";

    [GeneratedRegex(@"^(\d+)x(\d+)x(\d+)(k|m)?$")]
    private static partial Regex SessionsShape();

    [GeneratedRegex(@"^cpm-(\d+)x(\d+)$")]
    private static partial Regex PerMessageShape();

    [GeneratedRegex(@"^memory-(\d+)x(\d+)m?$")]
    private static partial Regex MemoryShape();
}
