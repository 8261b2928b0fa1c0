using System.Diagnostics;
using Relay.Testing;

namespace Relay.Tests.Monitoring;

/// <summary>The alert rules in deploy/monitoring, checked and unit-tested by Prometheus' own promtool (Debian: apt-get install prometheus).</summary>
public sealed class PromtoolTests
{
    [PromtoolFact]
    public async Task AlertRules_AreValid()
    {
        var (code, output) = await PromtoolAsync("check", "rules", "relay-alerts.yml");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS: 7 rules found", output, StringComparison.Ordinal);
    }

    [PromtoolFact]
    public async Task AlertRules_PassTheirUnitTests()
    {
        var (code, output) = await PromtoolAsync("test", "rules", "relay-alerts.test.yml");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(PromtoolFactAttribute.Promtool!)
        {
            WorkingDirectory = RepositoryFiles.PathTo("deploy", "monitoring"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

}

/// <summary>A test that needs promtool on PATH; skipped, saying so, when it is not installed (.ci/run installs it).</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public static readonly string? Promtool = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, "promtool"))
        .FirstOrDefault(File.Exists);

    public PromtoolFactAttribute()
    {
        if (Promtool is null)
        {
            Skip = "promtool is not installed, so the Prometheus alert rules in deploy/monitoring were not checked. Install it (Debian: apt-get install prometheus; .ci/run does) and run again.";
        }
    }
}
