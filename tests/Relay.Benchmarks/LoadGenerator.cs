using System.Collections.Concurrent;
using System.Diagnostics;
using MailKit.Net.Smtp;
using MimeKit;

namespace Relay.Benchmarks;

/// <summary>One message as the load generator saw it, in ms on the benchmark's clock.</summary>
internal sealed record SentMessage(string Id, double SendStart, double Accepted, double AcceptLatency);

/// <summary>What one load sent: every message, and the temporary refusals (452) it waited out and retried.</summary>
internal sealed record SendOutcome(double Start, IReadOnlyList<SentMessage> Messages, int Refusals452, int MessagesRetried);

/// <summary>
/// Sends a load over SMTP with MailKit. A <c>452</c> (at MAIL FROM, as under memory pressure, or after DATA) means
/// "try again soon": the message is sent again after a short pause and counted, never lost.
/// </summary>
/// <param name="onRefusal">Called at each 452, before the pause (a test lifts the refusal there).</param>
internal sealed class LoadGenerator(SmtpTarget target, Stopwatch clock, Action? onRefusal = null)
{
    public static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);
    private const int LineLength = 76;
    private const int HeaderAllowance = 400; // From, To, Subject, Date, Message-Id, X-Bench-Id, MIME headers

    /// <summary>A 7-bit body of 76-character lines, so that the whole message is about <paramref name="messageBytes"/>.</summary>
    public static byte[] Body(int messageBytes)
    {
        var lines = Math.Max(1, (messageBytes - HeaderAllowance) / (LineLength + 2));
        var line = new string('x', LineLength) + "\r\n";
        return System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, lines)));
    }

    public async Task<SendOutcome> SendAsync(BenchLoad load, string idPrefix, byte[] body, CancellationToken cancellationToken)
    {
        var sent = new ConcurrentBag<SentMessage>();
        var refusals = 0;
        var retried = 0;
        var start = clock.Elapsed.TotalMilliseconds;
        await Task.WhenAll(Enumerable.Range(0, load.Connections).Select(connection => Task.Run(async () =>
        {
            SmtpClient? client = null;
            try
            {
                for (var i = 0; i < load.PerConnection; i++)
                {
                    var id = $"{idPrefix}-{connection}-{i}";
                    var sendStart = clock.Elapsed.TotalMilliseconds;
                    var wasRetried = false;
                    while (true)
                    {
                        var attemptStart = clock.Elapsed.TotalMilliseconds;
                        try
                        {
                            if (client is null || !client.IsConnected)
                            {
                                client?.Dispose();
                                client = await target.ConnectAsync(cancellationToken);
                            }

                            var dataStart = clock.Elapsed.TotalMilliseconds;
                            await client.SendAsync(Message(id, body), cancellationToken);
                            var accepted = clock.Elapsed.TotalMilliseconds;
                            if (load.Kind == LoadKind.ConnectionPerMessage)
                            {
                                await client.DisconnectAsync(quit: true, cancellationToken);
                                client.Dispose();
                                client = null;
                                accepted = clock.Elapsed.TotalMilliseconds;
                            }

                            var latency = accepted - (load.Kind == LoadKind.ConnectionPerMessage ? attemptStart : dataStart);
                            sent.Add(new SentMessage(id, sendStart, accepted, latency));
                            break;
                        }
                        catch (SmtpCommandException e) when (e.StatusCode == SmtpStatusCode.InsufficientStorage)
                        {
                            Interlocked.Increment(ref refusals);
                            onRefusal?.Invoke();
                            if (!wasRetried)
                            {
                                wasRetried = true;
                                Interlocked.Increment(ref retried);
                            }

                            if (load.Kind == LoadKind.ConnectionPerMessage && client is not null)
                            {
                                await client.DisconnectAsync(quit: true, cancellationToken);
                            }

                            await Task.Delay(RetryPause, cancellationToken);
                        }
                    }
                }
            }
            finally
            {
                if (client is { IsConnected: true })
                {
                    await client.DisconnectAsync(quit: true, CancellationToken.None);
                }

                client?.Dispose();
            }
        }, cancellationToken)));
        return new SendOutcome(start, [.. sent], refusals, retried);
    }

    private static MimeMessage Message(string id, byte[] body)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("bench@legacy.lan"));
        message.To.Add(MailboxAddress.Parse("alice@example.org"));
        message.Subject = "bench " + id;
        message.Headers.Add(ArrivalRecorder.IdHeader, id);
        message.Body = new TextPart("plain")
        {
            Content = new MimeContent(new MemoryStream(body, writable: false), ContentEncoding.SevenBit),
            ContentTransferEncoding = ContentEncoding.SevenBit,
        };
        return message;
    }
}
