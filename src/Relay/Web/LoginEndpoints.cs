using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using static Relay.Web.Html;

namespace Relay.Web;

/// <summary>Sign-in with the login secret (from the link in the log, or typed), kept in a cookie for the browser session.</summary>
internal static class LoginEndpoints
{
    public static void MapLogin(this WebApplication app)
    {
        app.MapGet("/login", async (HttpContext context, LoginSecret secret, string? returnUrl) =>
        {
            if (secret.Matches(context.Request.Query["secret"]))
            {
                await SignInAsync(context);
                return Results.LocalRedirect(SafeReturn(returnUrl));
            }

            return Form(context, returnUrl, failed: context.Request.Query.ContainsKey("secret"));
        });
        app.MapPost("/login", async (HttpContext context, LoginSecret secret, [FromForm] string? secretValue, [FromForm] string? returnUrl) =>
        {
            if (!secret.Matches(secretValue?.Trim()))
            {
                return Form(context, returnUrl, failed: true);
            }

            await SignInAsync(context);
            return Results.LocalRedirect(SafeReturn(returnUrl));
        });
        app.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/login");
        }).RequireAuthorization();
    }

    private static Task SignInAsync(HttpContext context) =>
        context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], CookieAuthenticationDefaults.AuthenticationScheme)));

    private static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) ? returnUrl : "/";

    private static IResult Form(HttpContext context, string? returnUrl, bool failed) => Page("Sign in", $"""
        {(failed ? Banner("bad", "That is not the login secret.") : "")}
        <p>Open the link Relay printed in its log at start (<code>docker compose logs relay</code>), or paste the login secret:
        it is <code>Relay:Web:LoginSecret</code>, or the file <code>web/login-secret</code> in the data folder.</p>
        <form method="post" action="/login">{Antiforgery(context)}
          <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
          <p><label>Login secret<br><input type="password" name="secretValue" autocomplete="current-password" autofocus></label></p>
          <button type="submit">Sign in</button>
        </form>
        """, failed ? 401 : 200);
}
