using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Relay.Inbound;

/// <summary>
/// The client's bytes as SmtpServer reads them, with two things SmtpServer does not do: it keeps the last line
/// SmtpServer consumed as a command (its parser drops the quotes of a quoted local part and mangles a UTF-8 domain, so
/// the relay reads the address from these bytes), and it bounds the wait for each read while a message is being
/// received, the length of a line outside DATA, and the memory a message being received takes (<see cref="MessageMemory"/>).
/// </summary>
internal sealed class SessionReader(PipeReader inner, SocketPipe pipe) : PipeReader
{
    /// <summary>The longest command line kept for reading; longer ones are refused anyway.</summary>
    public const int MaxKeptLine = 4096;

    /// <summary>Outside DATA, bytes without a line break beyond which the client is cut off instead of buffered.</summary>
    public const int MaxUnterminatedLine = 64 * 1024;

    private ReadOnlySequence<byte> _buffer;
    private CancellationTokenSource? _dataIdle;
    private CancellationToken _dataIdleFor;

    /// <summary>The last line SmtpServer consumed when it was a MAIL or RCPT command, with its CRLF; empty otherwise, or when it was longer than <see cref="MaxKeptLine"/>.</summary>
    public ReadOnlyMemory<byte> LastLine { get; private set; }

    /// <summary>The length of the last line SmtpServer consumed, with its CRLF.</summary>
    public long LastLineLength { get; private set; }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ReadResult result;
        if (pipe.InData)
        {
            // One timer per message, re-armed by each read (a 25 MB message arrives in thousands of reads).
            if (_dataIdle is null || _dataIdleFor != cancellationToken)
            {
                _dataIdle?.Dispose();
                _dataIdle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _dataIdleFor = cancellationToken;
            }

            _dataIdle.CancelAfter(pipe.DataIdleTimeout);
            try
            {
                do
                {
                    result = await inner.ReadAsync(_dataIdle.Token);
                }
                while (result.IsCanceled && pipe.Stopping && !cancellationToken.IsCancellationRequested); // a message being received finishes
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw await pipe.CloseAsync(SessionClose.DataIdle);
            }

            // SmtpServer keeps the whole message in this buffer until its end: its length is what the message holds.
            if (!pipe.Memory.TryGrow(result.Buffer.Length))
            {
                throw await pipe.CloseAsync(SessionClose.MemoryFull);
            }
        }
        else
        {
            // Waiting for a command (SmtpServer is writing nothing now): a stopping relay says so, then closes.
            if (pipe.Stopping)
            {
                throw await pipe.CloseAsync(SessionClose.Stopping);
            }

            result = await inner.ReadAsync(cancellationToken);
            if (result.IsCanceled && pipe.Stopping)
            {
                throw await pipe.CloseAsync(SessionClose.Stopping);
            }

            if (result.Buffer.Length > MaxUnterminatedLine && result.Buffer.PositionOf((byte)'\n') is null)
            {
                throw await pipe.CloseAsync(SessionClose.LineTooLong);
            }
        }

        _buffer = result.Buffer;
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        _buffer = result.Buffer;
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (pipe.InData)
        {
            // In DATA, SmtpServer consumes nothing until the end of the message: then its bytes leave memory (before the reply goes out).
            if (!consumed.Equals(_buffer.Start))
            {
                pipe.Memory.Release();
                EndDataTimer();
            }
        }
        else if (_buffer.Slice(_buffer.Start, consumed) is { IsEmpty: false } line)
        {
            // Outside DATA only: a message's bytes are the store's business, and copying them here would cost per message.
            // Only MAIL and RCPT lines are kept (their address is read from them); AUTH lines, which carry credentials, never are.
            LastLineLength = line.Length;
            LastLine = line.Length <= MaxKeptLine && IsMailOrRcpt(line) ? line.ToArray() : ReadOnlyMemory<byte>.Empty;
        }

        _buffer = default;
        inner.AdvanceTo(consumed, examined);
    }

    private static bool IsMailOrRcpt(ReadOnlySequence<byte> line)
    {
        Span<byte> verb = stackalloc byte[4];
        if (line.Length < verb.Length)
        {
            return false;
        }

        line.Slice(0, verb.Length).CopyTo(verb);
        return Ascii.EqualsIgnoreCase(verb, "MAIL"u8) || Ascii.EqualsIgnoreCase(verb, "RCPT"u8);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        EndDataTimer();
        inner.Complete(exception);
    }

    internal void EndDataTimer()
    {
        _dataIdle?.Dispose();
        _dataIdle = null;
    }
}

/// <summary>Why the relay itself closed a session.</summary>
internal enum SessionClose
{
    /// <summary>No byte came for <see cref="InboundOptions.DataTimeout"/> in the middle of a message.</summary>
    DataIdle,

    /// <summary>A command line without a line break grew past <see cref="SessionReader.MaxUnterminatedLine"/>.</summary>
    LineTooLong,

    /// <summary>A message grew past what <see cref="MessageMemory"/> had left.</summary>
    MemoryFull,

    /// <summary>The relay is stopping and the session was waiting for its next command.</summary>
    Stopping,
}
