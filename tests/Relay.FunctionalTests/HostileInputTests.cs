using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Relay.Inbound;
using Relay.Outbound;
using Relay.Testing;
using Xunit.Abstractions;

namespace Relay.FunctionalTests;

/// <summary>
/// Whatever bytes arrive, the relay answers or closes, stays up, serves the next client, and delivers nothing it did not
/// acknowledge. A seeded fuzz run (bounded in count and time) plus the classic attacks by name.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : HarnessTest
{
    private static readonly byte[][] ValidConversation =
    [
        "EHLO fuzz.local\r\n"u8.ToArray(),
        "MAIL FROM:<app@legacy.lan>\r\n"u8.ToArray(),
        "RCPT TO:<someone@fuzz.invalid>\r\n"u8.ToArray(),
        "DATA\r\n"u8.ToArray(),
        "From: app@legacy.lan\r\nSubject: fuzz\r\n\r\nbody\r\n.\r\n"u8.ToArray(),
        "QUIT\r\n"u8.ToArray(),
    ];

    [Fact]
    public async Task ThousandsOfRandomAndMutatedConversations_LeaveTheRelayServingAndDeliverOnlyWhatItAcknowledged()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:CommandTimeout"] = "00:00:01";
            s["Relay:Inbound:MaxConnectionsPerClient"] = "64";
        });
        var random = new Random(20261125);
        var acknowledged = 0;
        var conversations = 0;
        var stopwatch = Stopwatch.StartNew();
        var silent = 0;
        var seeds = Enumerable.Range(0, 1200).Select(_ => random.Next()).ToArray();
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (seed, _) =>
        {
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(25))
            {
                return; // bounded in time as well as in count
            }

            Interlocked.Increment(ref conversations);
            var (replies, closed) = await RawExchangeAsync(relay.SmtpPort, Conversation(new Random(seed)));
            Interlocked.Add(ref acknowledged, replies.Split('\n').Count(line => line.StartsWith("250 2.0.0 Ok: queued", StringComparison.Ordinal)));
            if (!closed || !replies.StartsWith("220 ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref silent);
            }
        });

        Assert.Equal(0, silent); // every conversation got the greeting and ended with the relay closing (idle limit 1 s), none hung

        // Still serving a normal client…
        await relay.SendAsync(Messages.Simple("after the storm"));
        var factory = relay.App.Services.GetRequiredService<InboundListenerFactory>();
        // …and every fuzz connection's slot came back (nothing left half-open).
        var deadline = Stopwatch.StartNew();
        while (factory.Connections > 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Assert.Equal(0, factory.Connections);

        // Every acknowledged message ends up delivered, or (a mutation Gmail could not take as it is) a dead letter.
        var delivered = 0;
        var dead = 0;
        while (delivered + dead < acknowledged + 1)
        {
            var (_, outcome) = await relay.NextOutcomeAsync(o => o.Result is DeliveryResult.Delivered or DeliveryResult.Rejected, TimeSpan.FromSeconds(60));
            _ = outcome.Result == DeliveryResult.Delivered ? delivered++ : dead++;
        }

        Assert.Equal(delivered, Harness.Gmail.Messages.Count); // nothing beyond what got a 250
        Assert.Equal(dead, relay.Spool.DeadCount);
        Assert.All(Harness.Gmail.Messages, m => Assert.Equal(RelayHarness.Account, m.MailFrom));
        output.WriteLine($"{conversations} conversations in {stopwatch.Elapsed.TotalSeconds:F1} s: {acknowledged} messages acknowledged, {delivered - 1} delivered, {dead} dead letters.");
    }

    [Theory]
    // expected: the replies after the greeting. Garbage gets a 5xx; the injected RCPT after a bare CR is no command of
    // its own (the EHLO reply, then one reply for the whole MAIL line, nothing more); the flood gets its replies in order.
    [InlineData("garbage", "\u0000\u0001\u00ff\u00fe NUL and bytes\r\n", @"\A5\d\d ")]
    [InlineData("10,000-byte command", null, @"\A[2-5]\d\d[ -]")]
    [InlineData("CRLF injection in MAIL FROM", "EHLO x\r\nMAIL FROM:<a@b.c>\rRCPT TO:<victim@evil.example>\r\n", @"\A(250-[^\n]*\n)+250 [^\n]*\n[2-5]\d\d [^\n]*\n\z")]
    [InlineData("pipelined flood", null, @"\A250 [^\n]*\n502 [^\n]*\n250 [^\n]*\n502 ")]
    public async Task NamedAttacks_GetAReplyAndAClosedConnection_AndTheRelayGoesOn(string attack, string? payload, string expected)
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:CommandTimeout"] = "00:00:02");
        var bytes = attack switch
        {
            "10,000-byte command" => Encoding.ASCII.GetBytes("EHLO " + new string('a', 10_000) + "\r\n"),
            "pipelined flood" => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\nBOGUS\r\n", 2000))),
            _ => Encoding.Latin1.GetBytes(payload!),
        };

        var (replies, closed) = await RawExchangeAsync(relay.SmtpPort, bytes);
        output.WriteLine(replies);

        // The greeting, then nothing but well-formed replies, at least one to what was sent; and the relay hung up
        // (the client had finished sending): silence is not an answer.
        Assert.Matches(@"\A220 [^\n]*\n([2-5]\d\d[ -][^\n]*\n)+\z", replies);
        Assert.True(closed, $"The relay neither answered nor closed the connection after '{attack}'.");
        Assert.Matches(expected, replies.Split('\n', 2)[1]);
        Assert.DoesNotContain("250 2.0.0 Ok: queued", replies, StringComparison.Ordinal);
        await relay.SendAsync(Messages.Simple($"after {attack}"));
        Assert.Single((await Harness.Gmail.NextMessageAsync()).Recipients);
    }

    [Fact]
    public async Task HalfOpenAndSlowLorisClients_AreCutOffByTheIdleTimeout_WithoutDisturbingOthers()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:CommandTimeout"] = "00:00:01");
        using var idle = new TcpClient();
        await idle.ConnectAsync(IPAddress.Loopback, relay.SmtpPort); // connects, never speaks
        using var slow = new TcpClient();
        await slow.ConnectAsync(IPAddress.Loopback, relay.SmtpPort);
        await slow.GetStream().WriteAsync("EHL"u8.ToArray()); // half a command, then nothing

        await relay.SendAsync(Messages.Simple("served meanwhile"));
        await Harness.Gmail.NextMessageAsync();

        using var reader = new StreamReader(idle.GetStream());
        Assert.StartsWith("220", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        Assert.StartsWith("221", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal); // timed out
    }

    /// <summary>One random conversation: noise, a mutated valid one, or a valid one cut short.</summary>
    private static byte[] Conversation(Random random)
    {
        var valid = ValidConversation.SelectMany(part => part).ToArray();
        switch (random.Next(4))
        {
            case 0:
                var noise = new byte[random.Next(1, 2000)];
                random.NextBytes(noise);
                return noise;
            case 1:
                var mutated = valid.ToList();
                for (var i = random.Next(1, 8); i > 0; i--)
                {
                    var at = random.Next(mutated.Count);
                    switch (random.Next(3))
                    {
                        case 0: mutated[at] = (byte)random.Next(256); break;
                        case 1: mutated.Insert(at, (byte)random.Next(256)); break;
                        default: mutated.RemoveAt(at); break;
                    }
                }

                return [.. mutated];
            case 2:
                return valid[..random.Next(valid.Length)];
            default:
                return valid;
        }
    }

    /// <summary>
    /// Sends the bytes and says it is done (half-close), then reads replies until the relay closes the connection.
    /// <c>Closed</c> is false when the relay went quiet for 15 s instead: a relay that neither answers nor hangs up fails.
    /// </summary>
    private static async Task<(string Replies, bool Closed)> RawExchangeAsync(int port, byte[] bytes)
    {
        var closed = false;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var received = new MemoryStream();
        try
        {
            await stream.WriteAsync(bytes);
            client.Client.Shutdown(SocketShutdown.Send);
            var buffer = new byte[8192];
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            int read;
            while ((read = await stream.ReadAsync(buffer, quiet.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            closed = true; // end of stream: the relay hung up
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            closed = true; // reset by the relay: hung up too
        }
        catch (OperationCanceledException)
        {
            // went quiet: not an answer
        }

        return (Encoding.Latin1.GetString(received.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal), closed);
    }
}
