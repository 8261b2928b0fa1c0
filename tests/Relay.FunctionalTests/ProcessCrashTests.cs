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
            (acked, _) = await SendManyAsync(relay.SmtpPort, count => { if (count == StopAfter) relay.Kill(); });
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.InRange(acked.Count, StopAfter, Total - 1); // the kill came mid-load

        await using var restarted = await RelayProcess.StartAsync(harness);
        var received = await ReceiveAllAsync(harness, restarted, acked);

        var duplicates = received.Where(pair => pair.Value > 1).Sum(pair => pair.Value - 1);
        output.WriteLine($"SIGKILL after {StopAfter} acknowledgements: {acked.Count} acknowledged, {received.Count} distinct delivered, {duplicates} duplicate(s) (allowed: at-least-once).");
        Assert.All(acked, subject => Assert.True(received.ContainsKey(subject), $"{subject} got a 250 but never reached Gmail"));
    }

    [Fact]
    public async Task StoppedWithSigtermMidLoad_ExitsCleanly_NothingAcknowledgedIsLostOrDuplicated()
    {
        await using var harness = await RelayHarness.StartAsync();
        IReadOnlyCollection<string> acked;
        IReadOnlyCollection<string> refusals;
        await using (var relay = await RelayProcess.StartAsync(harness))
        {
            (acked, refusals) = await SendManyAsync(relay.SmtpPort, count => { if (count == StopAfter) relay.Terminate(); });
            await relay.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, relay.ExitCode);
            Assert.Contains(relay.Output, line => line.Contains("SMTP listener stopping", StringComparison.Ordinal));
        }

        // After the signal a client gets "421 4.3.2" for a new transaction, or finds the connection closed; nothing else.
        Assert.NotEmpty(refusals);
        Assert.All(refusals, seen => Assert.True(seen is "421 4.3.2" or "closed", $"a client got '{seen}' after SIGTERM"));
        Assert.Contains("421 4.3.2", refusals); // the clients still connected were told, not just cut off

        await using var restarted = await RelayProcess.StartAsync(harness);
        var received = await ReceiveAllAsync(harness, restarted, acked);

        output.WriteLine($"SIGTERM after {StopAfter} acknowledgements: {acked.Count} acknowledged, {received.Count} distinct delivered.");
        Assert.All(acked, subject => Assert.True(received.ContainsKey(subject), $"{subject} got a 250 but never reached Gmail"));
        Assert.All(received, pair => Assert.True(pair.Value == 1, $"{pair.Key} reached Gmail {pair.Value} times"));
    }

    /// <summary>
    /// Sends up to <see cref="Total"/> messages from <see cref="Clients"/> clients; a client stops at its first failure
    /// (the relay went away). Returns the subjects acknowledged, and what each client that stopped saw: "421 4.3.2",
    /// "closed", or the unexpected reply or error.
    /// </summary>
    private static async Task<(IReadOnlyCollection<string> Acked, IReadOnlyCollection<string> Refusals)> SendManyAsync(int port, Action<int> onAcknowledged)
    {
        var acked = new ConcurrentQueue<string>();
        var refusals = new ConcurrentQueue<string>();
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
            catch (SmtpCommandException ex)
            {
                // What this client was sending got no 250: it is the client's to retry, not the relay's to deliver.
                refusals.Enqueue((int)ex.StatusCode == 421 && ex.Message.Contains("4.3.2", StringComparison.Ordinal) ? "421 4.3.2" : $"{(int)ex.StatusCode} {ex.Message}");
            }
            catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException)
            {
                refusals.Enqueue("closed");
            }
        }));
        return (acked, refusals);
    }

    /// <summary>
    /// Waits until every acknowledged subject reached the fake Gmail and the restarted relay's queue is empty (so no
    /// late duplicate is still on its way), then returns how often each subject arrived.
    /// </summary>
    private static async Task<Dictionary<string, int>> ReceiveAllAsync(RelayHarness harness, RelayProcess restarted, IReadOnlyCollection<string> acked)
    {
        var missing = new HashSet<string>(acked, StringComparer.Ordinal);
        while (missing.Count > 0)
        {
            var message = await harness.Gmail.NextMessageAsync(TimeSpan.FromSeconds(60));
            missing.Remove(MimeMessage.Load(new MemoryStream(message.Data)).Subject ?? string.Empty);
        }

        await WaitForEmptyQueueAsync(harness, restarted);
        return harness.Gmail.Messages
            .GroupBy(message => MimeMessage.Load(new MemoryStream(message.Data)).Subject ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal);
    }

    /// <summary>Asks the relay's admin API until nothing is waiting for delivery: an entry leaves the queue only after Gmail's 250.</summary>
    private static async Task WaitForEmptyQueueAsync(RelayHarness harness, RelayProcess relay)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{relay.WebPort}/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", (await File.ReadAllTextAsync(Path.Combine(harness.DataPath, "web", "login-secret"))).Trim());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var queue = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/queue"));
            if (!queue.RootElement.EnumerateArray().Any(entry => entry.GetProperty("state").GetString() != "Dead"))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "The restarted relay's queue did not empty within 60 s: " + queue.RootElement);
            await Task.Delay(50); // a poll of the relay's own API; delivery has no event visible from outside the process
        }
    }
}
