using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Relay.Benchmarks;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>The benchmark of tests/Relay.Benchmarks runs end to end on a tiny load. No speed is asserted here.</summary>
public sealed class BenchmarkTests
{
    [Fact]
    public async Task TinyRun_EveryMessageArrives_AndTheReportHasARowPerLoad()
    {
        // A standard load scaled down (the direct baseline and the relay) and a memory load (relay only): each starts a relay process.
        var settings = BenchSettings.Parse(["--load", "cpm-10x30", "--load", "memory-2x1", "--scale", "0.1", "--warmup", "1", "--no-settle"]);

        var report = await new BenchmarkRunner(TextWriter.Null).RunAsync(settings);

        Assert.Equal(["cpm-10x30", "memory-2x1"], report.Rows.Select(r => r.Load.Name));
        Assert.Equal([30, 1], report.Rows.Select(r => r.Load.Messages));
        foreach (var row in report.Rows)
        {
            Assert.Equal(row.Load.Messages, row.Relay.Sent);
            Assert.Equal(row.Load.Messages, row.Relay.Arrived);
            Assert.True(row.Cost.PeakRss > 0, "the relay process's peak RSS is read from /proc");
            Assert.Equal(1, row.Cost.TokenRefreshes); // one access token for the relay's whole life, whatever the load
            if (row.Load.Kind == LoadKind.Memory)
            {
                Assert.Null(row.Direct);
            }
            else
            {
                Assert.Equal(row.Load.Messages, row.Direct!.Arrived);
            }
        }

        var table = report.ToMarkdown();
        Assert.Contains("| Load | Direct | Relay accepted (250) | Relay sustained | Sustained / direct |", table);
        foreach (var row in report.Rows)
        {
            Assert.Contains($"| {row.Load.Label} |", table);
        }

        Assert.Contains("Relay idle RSS", table);
    }

    [Fact]
    public async Task A452AtMailFrom_IsWaitedOutAndRetried_AndCounted_NotLost()
    {
        await using var harness = await RelayHarness.StartAsync();
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(TestCertificates.CaPemFile));
        var target = SmtpTarget.StartTlsXOAuth2(harness.Gmail.Port, ca, RelayHarness.Account, await FakeGoogleToken.AccessTokenAsync(harness.OAuth, CancellationToken.None));
        var clock = Stopwatch.StartNew();
        await using var arrivals = new ArrivalRecorder(harness.Gmail, clock);
        harness.Gmail.MailReply = "452 4.3.1 Insufficient system storage";
        var refusals = 0;
        var generator = new LoadGenerator(target, clock, () =>
        {
            if (++refusals == 2)
            {
                harness.Gmail.MailReply = null; // memory freed: the next attempt goes through
            }
        });
        var load = new BenchLoad("1x3x2k", LoadKind.Sessions, 1, 3, BenchLoad.TwoKiB);

        var outcome = await generator.SendAsync(load, "retry", LoadGenerator.Body(load.MessageBytes), CancellationToken.None);
        await arrivals.WaitForAllAsync([.. outcome.Messages.Select(m => m.Id)], TimeSpan.FromSeconds(20));

        Assert.Equal(3, outcome.Messages.Count);
        Assert.Equal(2, outcome.Refusals452);
        Assert.Equal(1, outcome.MessagesRetried);
        Assert.All(outcome.Messages, m => Assert.True(arrivals.TryGet(m.Id, out _), $"{m.Id} arrived"));
    }
}
