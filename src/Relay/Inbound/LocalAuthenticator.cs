using System.Collections.Concurrent;
using System.Net;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;

namespace Relay.Inbound;

/// <summary>
/// SMTP AUTH PLAIN/LOGIN against <see cref="LocalUsers"/>. Failures from one address are slowed down (one more second
/// each after the third) and, after ten within a quarter of an hour, that address may not try for a quarter of an hour.
/// </summary>
internal sealed class LocalAuthenticator(LocalUsers users, TimeProvider time, ILogger<LocalAuthenticator> logger) : IUserAuthenticator
{
    public const int FreeFailures = 3;
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<IPAddress, Failures> _failures = new();

    public async Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        var client = context.ClientIp();
        var now = time.GetUtcNow();
        var failures = _failures.TryGetValue(client, out var known) && now - known.Since < Window ? known : new Failures(0, now);
        if (failures.Count >= MaxFailures)
        {
            InboundLog.Refused(logger, client.ToString(), "too many failed logins");
            throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)454, "4.7.0 Too many failed logins from your address, try again later"), quit: true);
        }

        if (users.Verify(user, password))
        {
            _failures.TryRemove(client, out _);
            return true;
        }

        _failures[client] = failures with { Count = failures.Count + 1 };
        InboundLog.LoginFailed(logger, client.ToString(), user, failures.Count + 1);
        if (failures.Count + 1 > FreeFailures)
        {
            await Task.Delay(TimeSpan.FromSeconds(failures.Count + 1 - FreeFailures), time, cancellationToken);
        }

        return false;
    }

    private sealed record Failures(int Count, DateTimeOffset Since);
}
