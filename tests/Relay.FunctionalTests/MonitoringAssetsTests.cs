using System.Globalization;
using System.Text.RegularExpressions;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>deploy/monitoring against what a running relay's /metrics really exports.</summary>
public sealed partial class MonitoringAssetsTests : HarnessTest
{
    [Fact]
    public async Task EveryMetricTheRulesAndTheDashboardUse_IsExportedByTheRelay()
    {
        await using var relay = await Harness.StartRelayAsync();
        await relay.SendAsync(Messages.Simple());
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        using var http = new HttpClient();
        var exported = TypeLine().Matches(await http.GetStringAsync(relay.WebAddress + "metrics"))
            .ToDictionary(match => match.Groups["name"].Value, match => match.Groups["type"].Value, StringComparer.Ordinal);

        foreach (var file in new[] { "relay-alerts.yml", "relay-dashboard.json" })
        {
            var used = MetricName().Matches(File.ReadAllText(Path.Combine(RepositoryFiles.PathTo("deploy", "monitoring"), file))).Select(match => match.Value).Distinct().ToList();
            Assert.NotEmpty(used);
            var missing = used.Where(name => !exported.ContainsKey(name) && !IsHistogramSeries(name, exported)).ToList();
            Assert.True(missing.Count == 0, $"{file} uses {string.Join(", ", missing)}, which /metrics does not export.");
        }
    }

    [Fact]
    public async Task SpoolWritable_GoesToZeroWhenTheSpoolCannotBeWritten()
    {
        await using var relay = await Harness.StartRelayAsync();
        using var http = new HttpClient();
        Assert.Equal(1, await SampleAsync(http, relay, "relay_spool_writable"));
        Assert.Equal(0, await SampleAsync(http, relay, "relay_authorization_testing_warning{account=\"default\"}"));

        var incoming = Path.Combine(relay.Spool.Root, "incoming");
        Directory.Delete(incoming, recursive: true);
        await File.WriteAllTextAsync(incoming, "a file where the spool's folder should be");
        try
        {
            Assert.Equal(0, await SampleAsync(http, relay, "relay_spool_writable"));
        }
        finally
        {
            File.Delete(incoming);
            Directory.CreateDirectory(incoming);
        }

        Assert.Equal(1, await SampleAsync(http, relay, "relay_spool_writable"));
    }

    private static async Task<double> SampleAsync(HttpClient http, Testing.RelayInstance relay, string name)
    {
        var exposition = await http.GetStringAsync(relay.WebAddress + "metrics");
        var line = exposition.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static bool IsHistogramSeries(string name, Dictionary<string, string> exported) =>
        new[] { "_bucket", "_count", "_sum" }.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal)
            && exported.TryGetValue(name[..^suffix.Length], out var type) && type == "histogram");

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\brelay_[a-z_]+\b")]
    private static partial Regex MetricName();
}
