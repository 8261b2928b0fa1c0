using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.WebUtilities;

namespace Relay.Web;

/// <summary>
/// The signed-in browser sessions, kept in memory: the sign-in cookie carries a random session ID, and a cookie whose
/// session was ended by Sign out (or by a restart) is refused, even though it is still validly signed.
/// </summary>
internal sealed class WebSessions(TimeProvider time)
{
    public const string ClaimType = "relay-session";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _active = new(StringComparer.Ordinal);

    public string Open()
    {
        var now = time.GetUtcNow();
        foreach (var expired in _active.Where(session => session.Value <= now).ToList())
        {
            _active.TryRemove(expired.Key, out _);
        }

        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(24));
        _active[id] = now + Lifetime;
        return id;
    }

    public bool IsActive(string? id) => id is not null && _active.TryGetValue(id, out var expiresAt) && expiresAt > time.GetUtcNow();

    public void Close(string? id)
    {
        if (id is not null)
        {
            _active.TryRemove(id, out _);
        }
    }

    /// <summary>The cookie handler's check on each request.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<WebSessions>();
        if (!sessions.IsActive(context.Principal?.FindFirst(ClaimType)?.Value))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
