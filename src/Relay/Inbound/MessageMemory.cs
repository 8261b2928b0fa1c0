using Microsoft.Extensions.Options;

namespace Relay.Inbound;

/// <summary>
/// The memory that messages being received may take together (<see cref="InboundOptions.MessageMemory"/>). SmtpServer
/// holds a message whole in memory until the end of DATA, so each session holds a share of this budget: at MAIL FROM
/// the size the client declared (SIZE=) or <see cref="FirstHold"/>, grown while DATA bytes arrive. A MAIL FROM that does
/// not fit gets <c>452 4.3.1</c>; a message that outgrows what is left is cut off with <c>421 4.3.1</c>. Either way the
/// client keeps its message and sends it again; nothing it was given a 250 for is touched.
/// </summary>
internal sealed class MessageMemory(IOptions<InboundOptions> options)
{
    /// <summary>What a transaction holds from MAIL FROM when the client declared no size: enough for most messages, so that they never grow.</summary>
    public const long FirstHold = 256 * 1024;

    /// <summary>A message this big lives long enough for its buffer to reach the oldest generation (see <see cref="CollectSoon"/>); smaller ones die young.</summary>
    private const long LargeMessage = 1024 * 1024;

    private readonly Lock _lock = new();
    private long _inUse;
    private long _releasedSinceCollect;
    private int _collections;

    public long Budget => options.Value.MessageMemory;

    /// <summary>How many full collections large messages have asked for (for tests and figures).</summary>
    public int Collections => Volatile.Read(ref _collections);

    private long MaxMessageSize => options.Value.MaxMessageSize;

    public long InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    /// <summary>A session's share, held on its connection and given back when the connection closes.</summary>
    public Hold NewHold() => new(this);

    private bool TryResize(ref long held, long wanted)
    {
        lock (_lock)
        {
            var delta = wanted - held;
            if (delta > 0 && _inUse + delta > Budget && _inUse - held > 0)
            {
                return false; // one message alone always fits: the validator keeps the budget over MaxMessageSize
            }

            _inUse += delta;
            held = wanted;
            if (-delta >= LargeMessage && (_releasedSinceCollect -= delta) >= Budget / 2)
            {
                _releasedSinceCollect = 0;
                _collections++;
                CollectSoon();
            }

            return true;
        }
    }

    /// <summary>
    /// A message's buffer is thousands of small pooled arrays that outlive a young-generation collection: once large
    /// messages worth half the budget are gone, a full collection gives their memory back now rather than whenever the
    /// heap next grows, which is what keeps the process within its budget under a stream of large messages.
    /// </summary>
    private static void CollectSoon() =>
        ThreadPool.UnsafeQueueUserWorkItem(_ => GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true), null);

    internal sealed class Hold(MessageMemory memory)
    {
        private long _held;

        public long Held => Volatile.Read(ref _held);

        /// <summary>Holds exactly <paramref name="bytes"/> for the transaction that starts (MAIL FROM); false, holding nothing, when they do not fit.</summary>
        public bool TryStart(long bytes)
        {
            Release();
            return memory.TryResize(ref _held, Math.Max(bytes, 1));
        }

        /// <summary>While DATA arrives: holds at least <paramref name="needed"/> bytes, doubling to spare the lock; false when the budget is spent.</summary>
        public bool TryGrow(long needed) =>
            needed <= _held || memory.TryResize(ref _held, Math.Max(needed, Math.Min(_held * 2, memory.MaxMessageSize)));

        public void Release() => memory.TryResize(ref _held, 0);
    }
}
