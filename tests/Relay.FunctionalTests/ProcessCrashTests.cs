using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Relay.Testing;
using Xunit.Abstractions;

namespace Relay.FunctionalTests;

/// <summary>
/// The published relay as a child process under load, killed or stopped part-way: every message that got a 250
/// must reach Gmail (DESIGN.md §4). These are the promises "nothing lost" and "graceful stop", tested for real.
/// </summary>
public sealed class ProcessCrashTests(ITestOutputHelper output)
{
    private const int Total = 300;
    private const int Clients = 10;
    private const int StopAfter = 100;

    [Fact]
    public async Task KilledMidLoad_EveryAcknowledgedMessageIsDeliveredAfterTheRestart()
    {
        await using var harness = await RelayHarness.StartAsync();
        harness.Gmail.CloseAfterMessage = false;
        IReadOnlyCollection<string> acked;
        await using (var relay = await RelayProcess.StartAsync(harness))
        {
            acked = await SendManyAsync(relay.SmtpPort, count => { if (count == StopAfter) relay.Kill(); });
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.InRange(acked.Count, StopAfter, Total - 1); // the kill came mid-load

        await using var restarted = await RelayProcess.StartAsync(harness);
        var received = await ReceiveAllAsync(harness, acked);

        var duplicates = received.Where(pair => pair.Value > 1).Sum(pair => pair.Value - 1);
        output.WriteLine($"SIGKILL after {StopAfter} acknowledgements: {acked.Count} acknowledged, {received.Count} distinct delivered, {duplicates} duplicate(s) (allowed: at-least-once).");
        Assert.All(acked, subject => Assert.True(received.ContainsKey(subject), $"{subject} got a 250 but never reached Gmail"));
    }

    [Fact]
    public async Task StoppedWithSigtermMidLoad_ExitsCleanly_NothingAcknowledgedIsLostOrDuplicated()
    {
        await using var harness = await RelayHarness.StartAsync();
        IReadOnlyCollection<string> acked;
        await using (var relay = await RelayProcess.StartAsync(harness))
        {
            acked = await SendManyAsync(relay.SmtpPort, count => { if (count == StopAfter) relay.Terminate(); });
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, relay.ExitCode);
            Assert.Contains(relay.Output, line => line.Contains("SMTP listener stopping", StringComparison.Ordinal));
        }

        await using var restarted = await RelayProcess.StartAsync(harness);
        var received = await ReceiveAllAsync(harness, acked);

        output.WriteLine($"SIGTERM after {StopAfter} acknowledgements: {acked.Count} acknowledged, {received.Count} distinct delivered.");
        Assert.All(acked, subject => Assert.True(received.ContainsKey(subject), $"{subject} got a 250 but never reached Gmail"));
        Assert.All(received, pair => Assert.True(pair.Value == 1, $"{pair.Key} reached Gmail {pair.Value} times"));
    }

    /// <summary>Sends up to <see cref="Total"/> messages from <see cref="Clients"/> clients; a client stops at its first failure (the relay went away).</summary>
    private static async Task<IReadOnlyCollection<string>> SendManyAsync(int port, Action<int> onAcknowledged)
    {
        var acked = new ConcurrentQueue<string>();
        var next = -1;
        var count = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            try
            {
                using var client = new SmtpClient { Timeout = 15000 };
                await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
                int i;
                while ((i = Interlocked.Increment(ref next)) < Total)
                {
                    var subject = $"load-{i}";
                    await client.SendAsync(Messages.Simple(subject));
                    acked.Enqueue(subject);
                    onAcknowledged(Interlocked.Increment(ref count));
                }

                await client.DisconnectAsync(true);
            }
            catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException or ServiceNotConnectedException)
            {
                // What this client was sending got no 250: it is the client's to retry, not the relay's to deliver.
            }
        }));
        return acked;
    }

    /// <summary>Reads what the fake Gmail received until every acknowledged subject is there; returns how often each subject arrived.</summary>
    private static async Task<Dictionary<string, int>> ReceiveAllAsync(RelayHarness harness, IReadOnlyCollection<string> acked)
    {
        var received = new Dictionary<string, int>(StringComparer.Ordinal);
        var missing = new HashSet<string>(acked, StringComparer.Ordinal);
        while (missing.Count > 0)
        {
            var message = await harness.Gmail.NextMessageAsync(TimeSpan.FromSeconds(60));
            var subject = MimeMessage.Load(new MemoryStream(message.Data)).Subject ?? string.Empty;
            received[subject] = received.GetValueOrDefault(subject) + 1;
            missing.Remove(subject);
        }

        // Anything still in flight lands within a moment; count it too, so duplicates are not missed.
        while (harness.Gmail.Messages.Count > received.Values.Sum())
        {
            var message = await harness.Gmail.NextMessageAsync(TimeSpan.FromSeconds(5));
            var subject = MimeMessage.Load(new MemoryStream(message.Data)).Subject ?? string.Empty;
            received[subject] = received.GetValueOrDefault(subject) + 1;
        }

        return received;
    }
}
