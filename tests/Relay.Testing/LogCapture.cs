using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Relay.Testing;

/// <summary>Keeps every log line the relay writes (rendered message and exception), so tests can look for what must or must not be there.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly Channel<string> _arrivals = Channel.CreateUnbounded<string>();

    public ConcurrentQueue<string> Lines { get; } = new();

    public string All => string.Join('\n', Lines);

    /// <summary>Waits for a line that matches, written after the lines already waited for.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await _arrivals.Reader.ReadAsync(cts.Token);
            if (match(line))
            {
                return line;
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}";
            capture.Lines.Enqueue(line);
            capture._arrivals.Writer.TryWrite(line);
        }
    }
}
