using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using static Relay.Web.Html;

namespace Relay.Web;

/// <summary>
/// Sign-in with the login secret, POSTed by the form (typed, or filled in from the <c>#secret=</c> part of the printed
/// link, which browsers never send), kept in a cookie for the browser session. The secret is never taken from the query:
/// request logs record the query.
/// </summary>
internal static class LoginEndpoints
{
    public static void MapLogin(this WebApplication app)
    {
        app.MapGet("/login", (HttpContext context, string? returnUrl) => Form(context, returnUrl, failed: false))
            .RequireRateLimiting(WebSecurity.LoginPolicy);
        app.MapPost("/login", async (HttpContext context, LoginSecret secret, WebSessions sessions, [FromForm] string? secretValue, [FromForm] string? returnUrl) =>
        {
            if (!secret.Matches(secretValue?.Trim()))
            {
                return Form(context, returnUrl, failed: true);
            }

            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "operator"), new Claim(WebSessions.ClaimType, sessions.Open())], CookieAuthenticationDefaults.AuthenticationScheme)));
            return Results.LocalRedirect(SafeReturn(returnUrl));
        }).RequireRateLimiting(WebSecurity.LoginPolicy);
        app.MapPost("/logout", async (HttpContext context, WebSessions sessions) =>
        {
            sessions.Close(context.User.FindFirst(WebSessions.ClaimType)?.Value); // the cookie, even if kept, no longer signs in
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/login");
        }).RequireAuthorization();
    }

    /// <summary>
    /// Where to go after signing in: <paramref name="returnUrl"/> when it is a path on this site, else <c>/</c>. The same
    /// rule as ASP.NET Core's <c>IUrlHelper.IsLocalUrl</c>: one leading slash, not followed by a slash or backslash
    /// (<c>//host</c> and <c>/\host</c> are other sites to a browser), and no control character (a browser drops tabs
    /// and new lines, so <c>/\t/host</c> is <c>//host</c>).
    /// </summary>
    internal static string SafeReturn(string? returnUrl) => IsLocalPath(returnUrl) ? returnUrl! : "/";

    internal static bool IsLocalPath(string? url) =>
        url is { Length: > 0 } && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    private static IResult Form(HttpContext context, string? returnUrl, bool failed) => Page("Sign in", $"""
        {(failed ? Banner("bad", "That is not the login secret.") : "")}
        <p>Open the link Relay printed in its log when it first started (<code>docker compose logs relay</code>), or paste the
        login secret: it is <code>Relay:Web:LoginSecret</code>, or the file <code>web/login-secret</code> in the data folder
        (<code>docker compose exec relay cat /data/web/login-secret</code>).</p>
        <form method="post" action="/login" id="login">{Antiforgery(context)}
          <input type="hidden" name="returnUrl" value="{E(SafeReturn(returnUrl))}">
          <p><label>Login secret<br><input type="password" name="secretValue" autocomplete="current-password" autofocus></label></p>
          <button type="submit">Sign in</button>
        </form>
        <script>{LoginScript}</script>
        """, failed ? 401 : 200);
}
