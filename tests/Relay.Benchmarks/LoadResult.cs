namespace Relay.Benchmarks;

/// <summary>The figures of one side (direct or relay) of one load. Rates in msg/s, times in ms.</summary>
internal sealed record SideFigures(
    int Sent,
    int Arrived,
    double AcceptedRate,
    double SustainedRate,
    double AcceptP50,
    double AcceptP99,
    double EndToEndP50,
    double EndToEndP99,
    int Refusals452,
    int MessagesRetried)
{
    public static SideFigures From(SendOutcome outcome, ArrivalRecorder arrivals)
    {
        var messages = outcome.Messages;
        var endToEnd = messages.Select(m => arrivals.TryGet(m.Id, out var at) ? at - m.SendStart : double.NaN).Where(d => !double.IsNaN(d)).ToArray();
        var lastArrival = messages.Select(m => arrivals.TryGet(m.Id, out var at) ? at : double.NaN).Where(d => !double.IsNaN(d)).DefaultIfEmpty(double.NaN).Max();
        var lastAccepted = messages.Select(m => m.Accepted).DefaultIfEmpty(double.NaN).Max();
        return new SideFigures(
            messages.Count,
            endToEnd.Length,
            messages.Count / ((lastAccepted - outcome.Start) / 1000),
            endToEnd.Length / ((lastArrival - outcome.Start) / 1000),
            Percentile(messages.Select(m => m.AcceptLatency), 50),
            Percentile(messages.Select(m => m.AcceptLatency), 99),
            Percentile(endToEnd, 50),
            Percentile(endToEnd, 99),
            outcome.Refusals452,
            outcome.MessagesRetried);
    }

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(IEnumerable<double> values, double percent)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// What the relay process itself spent on one load: CPU per message (after the warm-up), peak and idle RSS in bytes, and
/// the CPU it burnt (ms per second) during one second with nothing to do, between the warm-up and the load, and the
/// token refreshes it asked the fake Google for over its whole life (warm-up included).
/// </summary>
internal sealed record RelayCost(double CpuMsPerMessage, long PeakRss, long IdleRss, double IdleCpuMsPerSecond, int TokenRefreshes);

/// <summary>One load, one run: the direct baseline (none for the memory load) and the relay, side by side.</summary>
internal sealed record LoadResult(BenchLoad Load, SideFigures? Direct, SideFigures Relay, RelayCost Cost)
{
    /// <summary>Relay sustained over direct sustained; NaN without a direct baseline.</summary>
    public double Ratio => Direct is null ? double.NaN : Relay.SustainedRate / Direct.SustainedRate;
}
