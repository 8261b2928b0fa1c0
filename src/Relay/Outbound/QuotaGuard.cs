using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.Accounts;

namespace Relay.Outbound;

/// <summary>
/// Counts what went out through one account over a rolling 24 hours (messages and recipients) and, where the provider
/// limits it (Exchange Online), over a rolling minute; kept in <c>&lt;DataPath&gt;/quota.json</c> (<see cref="PathIn"/>) so
/// a restart does not forget. A message that would cross a limit is not sent: the queue is held until enough of the
/// window has slid by.
/// </summary>
internal sealed class QuotaGuard
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    public static readonly TimeSpan MinuteWindow = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(5);

    private readonly QuotaOptions _options;
    private readonly TimeProvider _time;
    private readonly string _path;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly Lazy<List<Sent>> _loaded;
    private DateTimeOffset _savedAt;

    private List<Sent> History => _loaded.Value;

    private readonly Func<string?> _account;
    private readonly AccountProvider _provider;

    /// <param name="path">Where the counters are kept (<see cref="PathIn"/>).</param>
    /// <param name="account">The account sending now, whose address decides the preset when none is configured.</param>
    /// <param name="provider">Whose limits apply when no preset is configured.</param>
    public QuotaGuard(IOptions<QuotaOptions> options, string path, TimeProvider time, Func<string?> account, AccountProvider provider = AccountProvider.Google)
    {
        _account = account;
        _provider = provider;
        _options = options.Value;
        _time = time;
        _path = Path.GetFullPath(path);
        _loaded = new(() => Load(_path));
    }

    /// <summary>The account named <c>default</c> keeps <c>quota.json</c>, as before several accounts; any other has <c>quota.NAME.json</c>.</summary>
    public static string PathIn(string dataPath, string account) => Path.Combine(dataPath, Accounts.Account.FileName(account, "quota", "json"));

    /// <summary>Reads <c>quota.json</c>, once (<see cref="StartupSequence"/>); the first use reads it otherwise.</summary>
    public void Load() => _ = _loaded.Value;

    /// <summary>What was sent in the window, for the status page and metrics.</summary>
    public (int Messages, int Recipients, int MessageLimit, int RecipientLimit) Usage
    {
        get
        {
            lock (_lock)
            {
                Slide();
                return (History.Count, History.Sum(s => s.Recipients), MessageLimit, RecipientLimit);
            }
        }
    }

    /// <summary>The recipients one message of this account may have (Exchange Online: 500); null: no limit of the provider's.</summary>
    public int? RecipientsPerMessage => _options.PerMessageLimit(_provider);

    private int MessageLimit => _options.MessageLimit(_account(), _provider);
    private int RecipientLimit => _options.RecipientLimit(_account(), _provider);
    private int? MinuteLimit => _options.MinuteLimit(_account(), _provider);

    /// <summary>What holds the account while a message does not fit, in words for the page and the log.</summary>
    public string Describe()
    {
        var (messages, recipients, messageLimit, recipientLimit) = Usage;
        var daily = $"{messages}/{messageLimit} messages and {recipients}/{recipientLimit} recipients in the last 24 hours";
        lock (_lock)
        {
            return MinuteLimit is { } perMinute ? $"{daily}, {SentInLastMinute()}/{perMinute} messages in the last minute" : daily;
        }
    }

    /// <summary>
    /// Counts a message about to be sent, or, when it would cross a limit, returns when enough of the window frees
    /// (nothing counted then). A counted message that does not go out is given back with <see cref="Cancel"/>.
    /// </summary>
    public DateTimeOffset? TryReserve(int recipients, out object reservation)
    {
        lock (_lock)
        {
            Slide();
            var sentRecipients = History.Sum(s => s.Recipients);
            var daily = History.Count + 1 > MessageLimit || sentRecipients + recipients > RecipientLimit;
            var minute = MinuteLimit is { } perMinute && SentInLastMinute() + 1 > perMinute;
            if (daily || minute)
            {
                reservation = this;
                var freesAt = daily ? FreesAt(recipients) : _time.GetUtcNow();
                return minute && MinuteFreesAt() is var minuteFrees && minuteFrees > freesAt ? minuteFrees : freesAt;
            }

            var sent = new Sent(_time.GetUtcNow(), recipients);
            History.Add(sent);
            reservation = sent;
            return null;
        }
    }

    public void Cancel(object reservation)
    {
        lock (_lock)
        {
            History.Remove((Sent)reservation);
        }
    }

    /// <summary>
    /// Writes the counters down, at most every few seconds (<paramref name="force"/>: now, as at shutdown). A crash loses
    /// at most those seconds of counting, and Gmail's own 550 5.4.5 still holds the queue past its limit.
    /// </summary>
    public async Task SaveAsync(bool force, CancellationToken cancellationToken)
    {
        byte[] json;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!force && now - _savedAt < SaveInterval)
            {
                return;
            }

            _savedAt = now;
            json = JsonSerializer.SerializeToUtf8Bytes(History);
        }

        await _saving.WaitAsync(cancellationToken);
        try
        {
            await DurableFile.ReplaceAsync(_path, json, cancellationToken);
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>The first time at which this message would fit, as older sends leave the window.</summary>
    private DateTimeOffset FreesAt(int recipients)
    {
        var messages = History.Count;
        var total = History.Sum(s => s.Recipients);
        foreach (var sent in History)
        {
            messages--;
            total -= sent.Recipients;
            if (messages + 1 <= MessageLimit && total + recipients <= RecipientLimit)
            {
                return sent.At + Window;
            }
        }

        return _time.GetUtcNow() + Window; // a single message larger than the recipient limit: it will wait a full window
    }

    /// <summary>The sends of the last minute (<see cref="History"/> is in the order of sending).</summary>
    private int SentInLastMinute()
    {
        var start = _time.GetUtcNow() - MinuteWindow;
        var count = 0;
        for (var i = History.Count - 1; i >= 0 && History[i].At > start; i--)
        {
            count++;
        }

        return count;
    }

    /// <summary>When one more message fits in the minute: the send that must leave it, plus a minute.</summary>
    private DateTimeOffset MinuteFreesAt() => History[History.Count - MinuteLimit!.Value].At + MinuteWindow;

    private void Slide()
    {
        var start = _time.GetUtcNow() - Window;
        History.RemoveAll(s => s.At <= start);
    }

    private static List<Sent> Load(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<List<Sent>>(File.ReadAllBytes(path)) ?? [] : [];
        }
        catch (JsonException)
        {
            return []; // the counters are a safeguard; Gmail's own 550 5.4.5 still holds the queue
        }
    }

    private sealed record Sent(DateTimeOffset At, int Recipients);
}
