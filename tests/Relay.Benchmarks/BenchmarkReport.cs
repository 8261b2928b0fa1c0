using System.Globalization;
using System.Text;

namespace Relay.Benchmarks;

/// <summary>All runs of a benchmark, and their median per load as a Markdown table for the README.</summary>
internal sealed class BenchmarkReport(BenchSettings settings, IReadOnlyList<IReadOnlyList<LoadResult>> runs)
{
    public IReadOnlyList<IReadOnlyList<LoadResult>> Runs => runs;

    /// <summary>Per load, the median of each figure over the runs (the run itself when there is one).</summary>
    public IReadOnlyList<LoadResult> Rows => [.. runs[0].Select((first, i) => Median([.. runs.Select(r => r[i])]))];

    /// <summary>Median of the relay's RSS right after start, before any load, over every relay started.</summary>
    public long IdleRss => (long)Median(runs.SelectMany(r => r).Select(r => (double)r.Cost.IdleRss));

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Relay benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(runs.Count == 1 ? "1 run" : $"median of {runs.Count} runs")}, scale {settings.Scale.ToString(CultureInfo.InvariantCulture)}, relay build: {RelayBuild}");
        text.AppendLine();
        text.AppendLine("| Load | Direct | Relay accepted (250) | Relay sustained | Sustained / direct | Accept p50 / p99 (direct · relay) | End to end p50 / p99 (direct · relay) | Relay CPU per message | Relay CPU idle, settled | Relay peak RSS | 452 replies (messages retried) | Arrived | Token refreshes |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in Rows)
        {
            text.AppendLine(Line(row));
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Relay idle RSS (after start, before any load): {Megabytes(IdleRss)}.");
        return text.ToString();
    }

    /// <summary>One table row.</summary>
    public static string Line(LoadResult r)
    {
        var d = r.Direct;
        var relay = r.Relay;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {r.Load.Label} | {(d is null ? "—" : Rate(d.SustainedRate))} | {Rate(relay.AcceptedRate)} | {Rate(relay.SustainedRate)} | " +
            $"{(double.IsNaN(r.Ratio) ? "—" : r.Ratio.ToString("F2", CultureInfo.InvariantCulture))} | " +
            $"{(d is null ? "" : $"{Ms(d.AcceptP50)} / {Ms(d.AcceptP99)} · ")}{Ms(relay.AcceptP50)} / {Ms(relay.AcceptP99)} | " +
            $"{(d is null ? "" : $"{Ms(d.EndToEndP50)} / {Ms(d.EndToEndP99)} · ")}{Ms(relay.EndToEndP50)} / {Ms(relay.EndToEndP99)} | " +
            $"{r.Cost.CpuMsPerMessage:F2} ms | {(double.IsNaN(r.Cost.IdleCpuMsPerSecond) ? "—" : $"{r.Cost.IdleCpuMsPerSecond:F0} ms/s")} | {Megabytes(r.Cost.PeakRss)} | {relay.Refusals452} ({relay.MessagesRetried}) | {relay.Arrived} of {relay.Sent} | {r.Cost.TokenRefreshes} |");
    }

    /// <summary>The build of the relay the benchmark ran (the relay.dll next to it): Release or Debug.</summary>
    public static string RelayBuild =>
        typeof(RelayApp).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().Any(a => a.IsJITOptimizerDisabled) ? "Debug" : "Release";

    private static LoadResult Median(IReadOnlyList<LoadResult> all)
    {
        if (all.Count == 1)
        {
            return all[0];
        }

        return new LoadResult(
            all[0].Load,
            all[0].Direct is null ? null : Median([.. all.Select(r => r.Direct!)]),
            Median([.. all.Select(r => r.Relay)]),
            new RelayCost(
                Median(all.Select(r => r.Cost.CpuMsPerMessage)),
                (long)Median(all.Select(r => (double)r.Cost.PeakRss)),
                (long)Median(all.Select(r => (double)r.Cost.IdleRss)),
                Median(all.Select(r => r.Cost.IdleCpuMsPerSecond)),
                all.Max(r => r.Cost.TokenRefreshes)));
    }

    private static SideFigures Median(IReadOnlyList<SideFigures> all) => new(
        all.Min(f => f.Sent),
        all.Min(f => f.Arrived),
        Median(all.Select(f => f.AcceptedRate)),
        Median(all.Select(f => f.SustainedRate)),
        Median(all.Select(f => f.AcceptP50)),
        Median(all.Select(f => f.AcceptP99)),
        Median(all.Select(f => f.EndToEndP50)),
        Median(all.Select(f => f.EndToEndP99)),
        (int)Median(all.Select(f => (double)f.Refusals452)),
        (int)Median(all.Select(f => (double)f.MessagesRetried)));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Rate(double perSecond) => $"{perSecond.ToString(perSecond < 10 ? "F1" : "F0", CultureInfo.InvariantCulture)} msg/s";

    private static string Ms(double milliseconds) => milliseconds.ToString(milliseconds < 10 ? "F1" : "F0", CultureInfo.InvariantCulture) + " ms";

    private static string Megabytes(long bytes) => $"{(bytes / 1_000_000.0).ToString("F0", CultureInfo.InvariantCulture)} MB";
}
