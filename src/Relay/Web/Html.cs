using System.Net;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;

namespace Relay.Web;

/// <summary>The few server-rendered pages' frame and helpers: every dynamic value goes through <see cref="E"/>.</summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>The pages' only style sheet, inline; the Content-Security-Policy admits it by its hash.</summary>
    public const string Style = """

          body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
          h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
          .banner { padding: .8rem 1rem; border-radius: .4rem; margin: 1rem 0; }
          .ok { background: #e7f6ec; border: 1px solid #9bd3ad; } .warn { background: #fff6e0; border: 1px solid #f0c36d; }
          .bad { background: #fdeaea; border: 1px solid #e59a9a; }
          table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e4e7ee; vertical-align: top; }
          th { width: 14rem; color: #555; font-weight: 600; } code { background: #f2f4f8; padding: 0 .25rem; border-radius: .2rem; }
          input[type=text], input[type=password], input[type=url] { width: 100%; padding: .4rem; box-sizing: border-box; }
          button { padding: .45rem 1rem; font: inherit; cursor: pointer; } nav a, p a { margin-right: 1rem; }
          .scroll { overflow-x: auto; } .list th { width: auto; } pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f2f4f8; padding: .6rem; }
          @media (max-width: 40rem) { body { margin: 1rem auto; font-size: 14px; } th { width: auto; } }

        """;

    /// <summary>
    /// The sign-in page's only script, inline; the Content-Security-Policy admits it by its hash. The link Relay prints
    /// carries the secret after <c>#</c>, which browsers never send: the script posts it with the form, then drops it
    /// from the address bar. So no request line, log or Referer ever holds it.
    /// </summary>
    public const string LoginScript = """

        const found = /^#secret=([A-Za-z0-9_-]+)$/.exec(location.hash);
        if (found) {
          history.replaceState(null, "", location.pathname + location.search);
          const form = document.getElementById("login");
          form.elements.secretValue.value = found[1];
          form.submit();
        }

        """;

    /// <summary>The CSP source expression that admits exactly <paramref name="inline"/> (a style or script element's text).</summary>
    public static string Hash(string inline) => $"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(inline)))}'";

    public static IResult Page(string title, string body, int statusCode = 200) => Results.Content($$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}} · Relay</title>
        <style>{{Style}}</style></head>
        <body><nav><a href="/">Status</a><a href="/queue">Queue</a><a href="/authorize">Authorize</a></nav>
        <h1>{{E(title)}}</h1>
        {{body}}
        </body></html>
        """, "text/html; charset=utf-8", Encoding.UTF8, statusCode);

    public static string Banner(string kind, string text) => $"""<div class="banner {kind}">{text}</div>""";

    /// <summary>The hidden anti-forgery field every form carries.</summary>
    public static string Antiforgery(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
    }

    public static string When(DateTimeOffset? at, TimeProvider time) =>
        at is { } value ? $"{value:yyyy-MM-dd HH:mm} UTC ({Ago(time.GetUtcNow() - value)})" : "—";

    public static string Ago(TimeSpan span) => span.TotalMinutes < 1 ? "just now"
        : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min ago"
        : span.TotalDays < 2 ? $"{(int)span.TotalHours} h ago"
        : $"{(int)span.TotalDays} days ago";
}
