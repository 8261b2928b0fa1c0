using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// Notes when each message reaches the fake Gmail, by its <c>X-Bench-Id</c> header, on the benchmark's clock; drops the
/// fake's copy of the bytes at once so that large loads do not pile up in the benchmark process.
/// </summary>
internal sealed class ArrivalRecorder : IAsyncDisposable
{
    public const string IdHeader = "X-Bench-Id";
    private static readonly byte[] HeaderStart = Encoding.ASCII.GetBytes("\r\n" + IdHeader + ": ");

    private readonly FakeGmailServer _gmail;
    private readonly Stopwatch _clock;
    private readonly ConcurrentDictionary<string, double> _arrivals = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly SemaphoreSlim _arrived = new(0);

    public ArrivalRecorder(FakeGmailServer gmail, Stopwatch clock)
    {
        _gmail = gmail;
        _clock = clock;
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>Arrival time (ms on the benchmark's clock) of the message with this id, if it arrived.</summary>
    public bool TryGet(string id, out double milliseconds) => _arrivals.TryGetValue(id, out milliseconds);

    /// <summary>Waits until every id has arrived; fails, naming how many are missing, when none arrives for <paramref name="stall"/>.</summary>
    public async Task WaitForAllAsync(IReadOnlyCollection<string> ids, TimeSpan stall)
    {
        while (ids.Count(id => !_arrivals.ContainsKey(id)) is var missing and > 0)
        {
            if (!await _arrived.WaitAsync(stall))
            {
                throw new TimeoutException($"{missing} of {ids.Count} messages did not reach the fake Gmail (none arrived for {stall.TotalSeconds:F0} s).");
            }
        }
    }

    private async Task ReadAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            ReceivedMessage message;
            try
            {
                message = await _gmail.NextMessageAsync(TimeSpan.FromMilliseconds(500));
            }
            catch (OperationCanceledException)
            {
                continue;
            }

            var at = _clock.Elapsed.TotalMilliseconds;
            _gmail.Messages.TryDequeue(out _);
            if (IdOf(message.Data) is { } id)
            {
                _arrivals[id] = at;
            }

            _arrived.Release();
        }
    }

    private static string? IdOf(byte[] data)
    {
        var span = data.AsSpan(0, Math.Min(data.Length, 64 * 1024));
        var start = span.IndexOf(HeaderStart);
        if (start < 0)
        {
            return null;
        }

        var value = span[(start + HeaderStart.Length)..];
        var end = value.IndexOf("\r\n"u8);
        return Encoding.ASCII.GetString(end < 0 ? value : value[..end]).Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
        _arrived.Dispose();
    }
}
