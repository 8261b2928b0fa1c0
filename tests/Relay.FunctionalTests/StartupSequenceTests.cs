using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>Building the relay touches no file but the data-folder lock; its start runs the start-up work, first.</summary>
public sealed class StartupSequenceTests : HarnessTest
{
    [Fact]
    public async Task Build_WritesNothing_Start_RecoversTheSpoolAndMakesTheLoginSecret_BeforeTheListenerStarts()
    {
        var logs = new LogCapture();
        var app = RelayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(Harness.Settings());
            builder.Logging.AddProvider(logs);
        });
        await using var _ = app;
        var spool = Path.Combine(Harness.DataPath, "spool");
        var secret = Path.Combine(Harness.DataPath, "web", "login-secret");
        Assert.False(Directory.Exists(spool));
        Assert.False(File.Exists(secret));
        Assert.IsType<StartupSequence>(app.Services.GetServices<IHostedService>().First());

        await app.StartAsync();

        Assert.True(Directory.Exists(Path.Combine(spool, "queue")));
        Assert.True(File.Exists(secret));
        var lines = logs.Lines.ToList();
        var recovered = lines.FindIndex(line => line.Contains("message(s) waiting for delivery", StringComparison.Ordinal));
        var listening = lines.FindIndex(line => line.Contains("SMTP listening on", StringComparison.Ordinal));
        Assert.True(recovered >= 0 && listening > recovered, logs.All);
        await app.StopAsync();
    }
}
