using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// Runs each load twice, on fresh fakes each time: straight to the fake Gmail (the direct baseline: STARTTLS + XOAUTH2
/// from the load generator), then through the relay as its own process (<c>dotnet relay.dll</c>, the build next to this
/// assembly), measuring the relay's CPU and memory from /proc.
/// </summary>
internal sealed class BenchmarkRunner(TextWriter progress)
{
    private static readonly TimeSpan Stall = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan IdleWindow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxSettle = TimeSpan.FromSeconds(15);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public async Task<BenchmarkReport> RunAsync(BenchSettings settings, CancellationToken cancellationToken = default)
    {
        var runs = new List<IReadOnlyList<LoadResult>>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            var results = new List<LoadResult>();
            foreach (var load in settings.ScaledLoads)
            {
                progress.WriteLine($"run {run}/{settings.Runs}: {load.Label} ({load.Messages} message{(load.Messages == 1 ? "" : "s")})");
                var direct = load.Kind == LoadKind.Memory ? null : await DirectAsync(load, settings.Warmup, cancellationToken);
                var (relay, cost) = await RelayAsync(load, settings, cancellationToken);
                var result = new LoadResult(load, direct, relay, cost);
                progress.WriteLine(BenchmarkReport.Line(result));
                results.Add(result);
            }

            runs.Add(results);
        }

        return new BenchmarkReport(settings, runs);
    }

    private async Task<SideFigures> DirectAsync(BenchLoad load, int warmup, CancellationToken cancellationToken)
    {
        await using var harness = await RelayHarness.StartAsync();
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(TestCertificates.CaPemFile, cancellationToken));
        var target = SmtpTarget.StartTlsXOAuth2(harness.Gmail.Port, ca, RelayHarness.Account, await FakeGoogleToken.AccessTokenAsync(harness.OAuth, cancellationToken));
        await using var arrivals = new ArrivalRecorder(harness.Gmail, _clock);
        var generator = new LoadGenerator(target, _clock);
        await WarmUpAsync(generator, arrivals, warmup, cancellationToken);
        return await MeasureAsync(generator, arrivals, load, "direct", cancellationToken);
    }

    private async Task<(SideFigures, RelayCost)> RelayAsync(BenchLoad load, BenchSettings settings, CancellationToken cancellationToken)
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await RelayProcess.StartAsync(harness, configuration =>
        {
            configuration["Serilog:MinimumLevel:Default"] = "Warning";
            configuration["Serilog:MinimumLevel:Override:Relay.Inbound.SmtpListenerService"] = "Information"; // its "SMTP listening on" line gives the port
            configuration["Relay:Quota:MaxMessages"] = "100000000"; // Gmail's daily quota is not what is measured here
            configuration["Relay:Quota:MaxRecipients"] = "100000000";
            configuration["Relay:Outbound:Timeout"] = "00:02:00";
            configuration["Relay:Inbound:MaxConnectionsPerClient"] = "100"; // 20 connections plus the warm-up's, whose QUIT the relay may not have seen yet
        });
        try
        {
            return await MeasureRelayAsync(relay, harness, load, settings, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The load {load.Label} through the relay failed: {e.Message}\nThe relay process {(relay.HasExited ? $"exited with {relay.ExitCode}" : "is running")}; its last lines:\n{string.Join('\n', relay.Output.Where(l => !l.Contains("#secret=", StringComparison.Ordinal)).TakeLast(15))}", e);
        }
    }

    private async Task<(SideFigures, RelayCost)> MeasureRelayAsync(RelayProcess relay, RelayHarness harness, BenchLoad load, BenchSettings settings, CancellationToken cancellationToken)
    {
        var meter = new RelayMeter(relay.Id);
        var idle = meter.Rss();
        await using var arrivals = new ArrivalRecorder(harness.Gmail, _clock);
        var generator = new LoadGenerator(SmtpTarget.Plain(relay.SmtpPort), _clock);
        await WarmUpAsync(generator, arrivals, settings.Warmup, cancellationToken);
        var idleCpu = settings.Settle ? await SettleAsync(meter, cancellationToken) : double.NaN;
        var printedBefore = relay.Output.Count;
        var cpuBefore = meter.CpuTime();
        var figures = await MeasureAsync(generator, arrivals, load, "relay", cancellationToken);
        var cpu = meter.CpuTime() - cpuBefore;
        foreach (var line in relay.Output.Skip(printedBefore).Take(5))
        {
            progress.WriteLine($"  relay said: {line}"); // at Warning, anything it prints under load is worth a look
        }

        return (figures, new RelayCost(cpu.TotalMilliseconds / load.Messages, meter.PeakRss(), idle, idleCpu, harness.OAuth.RefreshCount));
    }

    /// <summary>
    /// After the warm-up the relay still works for a second or two with nothing to do (compiling what the warm-up made
    /// hot, and its own deferred work): waits, in windows of 0.5 s, until a window costs it at most 10% of a core (or
    /// 15 s pass), so that the load is not charged for it. Returns the CPU of that last window, in ms per second.
    /// </summary>
    private async Task<double> SettleAsync(RelayMeter meter, CancellationToken cancellationToken)
    {
        var started = _clock.Elapsed;
        while (true)
        {
            var from = meter.CpuTime();
            await Task.Delay(IdleWindow, cancellationToken); // a measurement window: what the relay burns with nothing to do
            var perSecond = (meter.CpuTime() - from).TotalMilliseconds / IdleWindow.TotalSeconds;
            if (perSecond <= 100 || _clock.Elapsed - started > MaxSettle)
            {
                progress.WriteLine($"  relay settled after the warm-up in {(_clock.Elapsed - started).TotalSeconds:F1} s (then {perSecond:F0} ms of CPU per second)");
                return perSecond;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="messages"/> 2 KiB messages over 4 connections, and a tenth as many with a connection each,
    /// and waits for them to arrive: a fresh .NET process spends most of its first thousand messages compiling
    /// (tiered JIT), which would otherwise be counted as the relay's cost per message.
    /// </summary>
    private static async Task WarmUpAsync(LoadGenerator generator, ArrivalRecorder arrivals, int messages, CancellationToken cancellationToken)
    {
        if (messages <= 0)
        {
            return;
        }

        var body = LoadGenerator.Body(BenchLoad.TwoKiB);
        var connections = Math.Min(4, messages);
        var sessions = await generator.SendAsync(new BenchLoad("warmup", LoadKind.Sessions, connections, Math.Max(1, messages / connections), BenchLoad.TwoKiB), "warmup", body, cancellationToken);
        var perMessage = await generator.SendAsync(new BenchLoad("warmup-cpm", LoadKind.ConnectionPerMessage, 2, Math.Max(1, messages / 20), BenchLoad.TwoKiB), "warmup-cpm", body, cancellationToken);
        await arrivals.WaitForAllAsync([.. sessions.Messages.Concat(perMessage.Messages).Select(m => m.Id)], Stall);
    }

    private static async Task<SideFigures> MeasureAsync(LoadGenerator generator, ArrivalRecorder arrivals, BenchLoad load, string side, CancellationToken cancellationToken)
    {
        var outcome = await generator.SendAsync(load, side, LoadGenerator.Body(load.MessageBytes), cancellationToken);
        await arrivals.WaitForAllAsync([.. outcome.Messages.Select(m => m.Id)], Stall);
        return SideFigures.From(outcome, arrivals);
    }
}
