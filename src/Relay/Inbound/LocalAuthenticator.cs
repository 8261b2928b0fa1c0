using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;

namespace Relay.Inbound;

/// <summary>
/// SMTP AUTH PLAIN/LOGIN against <see cref="LocalUsers"/>. Failures from one source (an IPv4 address, an IPv6 /64) are
/// slowed down (one more second each after the third) and, after ten within a quarter of an hour, that source may not
/// try until the quarter of an hour is over. Each attempt is counted as a failure before the password is checked, under
/// one lock, so parallel connections cannot get more tries than that; and a source may have only
/// <see cref="MaxConcurrentAttempts"/> logins in progress at once.
/// </summary>
internal sealed class LocalAuthenticator(LocalUsers users, TimeProvider time, ILogger<LocalAuthenticator> logger) : IUserAuthenticator
{
    public const int FreeFailures = 3;
    public const int MaxFailures = 10;
    public const int MaxConcurrentAttempts = 2;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, Attempts> _sources = [];

    public async Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        var client = context.ClientIp();
        var source = Source(client);
        var failures = Begin(source, client);
        try
        {
            if (users.Verify(user, password))
            {
                Succeeded(source);
                return true;
            }

            InboundLog.LoginFailed(logger, client.ToString(), user, failures);
            if (failures > FreeFailures)
            {
                await Task.Delay(TimeSpan.FromSeconds(failures - FreeFailures), time, cancellationToken);
            }

            return false;
        }
        finally
        {
            End(source);
        }
    }

    /// <summary>The unit failures are counted by: the IPv4 address, or the /64 of an IPv6 one (what one host usually holds).</summary>
    internal static IPAddress Source(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return new IPAddress(bytes);
    }

    /// <summary>Counts this attempt as a failure (undone if the password is right); returns the count, or refuses.</summary>
    private int Begin(IPAddress source, IPAddress client)
    {
        string? refusal;
        int failures;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_sources.TryGetValue(source, out var attempts))
            {
                Prune(now);
                _sources[source] = attempts = new Attempts { Since = now };
            }
            else if (now - attempts.Since >= Window)
            {
                attempts.Failures = 0;
                attempts.Since = now;
            }

            refusal = attempts.Failures >= MaxFailures ? "failed logins"
                : attempts.InFlight >= MaxConcurrentAttempts ? "logins at once"
                : null;
            if (refusal is null)
            {
                attempts.InFlight++;
                attempts.Failures++;
            }

            failures = attempts.Failures;
        }

        if (refusal is not null)
        {
            InboundLog.Refused(logger, client.ToString(), "too many " + refusal);
            throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)454, $"4.7.0 Too many {refusal} from your address, try again later"), quit: true);
        }

        return failures;
    }

    private void Succeeded(IPAddress source)
    {
        lock (_lock)
        {
            _sources[source].Failures = 0;
        }
    }

    private void End(IPAddress source)
    {
        lock (_lock)
        {
            var attempts = _sources[source];
            attempts.InFlight--;
            if (attempts is { InFlight: 0, Failures: 0 })
            {
                _sources.Remove(source);
            }
        }
    }

    /// <summary>Forgets sources whose window is over, so the table does not grow with every address that ever failed.</summary>
    private void Prune(DateTimeOffset now)
    {
        if (_sources.Count < 1024)
        {
            return;
        }

        foreach (var (source, attempts) in _sources)
        {
            if (attempts.InFlight == 0 && now - attempts.Since >= Window)
            {
                _sources.Remove(source);
            }
        }
    }

    private sealed class Attempts
    {
        public int Failures { get; set; }
        public int InFlight { get; set; }
        public DateTimeOffset Since { get; set; }
    }
}
