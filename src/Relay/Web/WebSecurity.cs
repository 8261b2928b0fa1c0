using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Relay.OAuth;

namespace Relay.Web;

/// <summary>
/// What protects the web listener as a whole: security headers on every response, forwarded headers believed only from
/// <c>Relay:Web:TrustedProxies</c>, rate limits on <c>/login</c> and <c>/api</c>, and the cross-site request checks
/// (origin, then anti-forgery token) on every state-changing request of the pages.
/// </summary>
internal static class WebSecurity
{
    public const string LoginPolicy = "login";
    public const string ApiPolicy = "api";

    public static void AddWebSecurity(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<WebOptions>>((forwarded, web) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear(); // by default loopback is believed: only what is configured is
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in web.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else
                {
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
                }
            }
        });

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                rejected.HttpContext.Response.Headers.RetryAfter = "60";
                return new ValueTask(rejected.HttpContext.Response.WriteAsync("Too many requests from this address: wait a minute, then try again.\n", cancellationToken));
            };
        });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<WebOptions>>((limiter, web) =>
        {
            limiter.AddPolicy(LoginPolicy, context => PerClient(context, web.Value.LoginRequestsPerMinute));
            limiter.AddPolicy(ApiPolicy, context => PerClient(context, web.Value.ApiRequestsPerMinute));
        });

        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<WebOptions>>((cookie, web) => cookie.Cookie.SecurePolicy = SecurePolicy(web.Value));
    }

    /// <summary>Forwarded headers (when proxies are trusted), then the security headers: before anything else answers.</summary>
    public static void UseWebSecurity(this WebApplication app)
    {
        var web = app.Services.GetRequiredService<IOptions<WebOptions>>().Value;
        if (web.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        var policy = ContentSecurityPolicy(app.Services.GetRequiredService<IOptions<GoogleOptions>>().Value, app.Services.GetRequiredService<IOptions<MicrosoftOptions>>().Value);
        app.Use((context, next) =>
        {
            // At the last moment, so that no answer (404, 429, 500, a static file, health) goes out without them.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = "DENY";
                return Task.CompletedTask;
            });
            return next(context);
        });
    }

    /// <summary>
    /// Nothing by default; the pages' one style sheet and the sign-in page's one script by their hashes; forms post to the
    /// relay itself, whose Authorize form is redirected to Google's consent page or Microsoft's sign-in page (a redirect
    /// after a form post is held to form-action too); no framing, no &lt;base&gt;.
    /// </summary>
    internal static string ContentSecurityPolicy(GoogleOptions google, MicrosoftOptions microsoft) =>
        $"default-src 'none'; style-src {Html.Hash(Html.Style)}; script-src {Html.Hash(Html.LoginScript)}; " +
        $"form-action 'self' {new Uri(google.AuthorizationEndpoint).GetLeftPart(UriPartial.Authority)} " +
        $"{new Uri(microsoft.Instance).GetLeftPart(UriPartial.Authority)}; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>
    /// After routing and authentication: a state-changing request to an endpoint of the pages to the pages (not <c>/api</c>, which takes only the Bearer secret,
    /// never the cookie) is refused when it comes from another site (<c>Origin</c>, else <c>Referer</c>, and
    /// <c>Sec-Fetch-Site</c>), or without a valid anti-forgery token.
    /// </summary>
    public static async Task CheckCrossSiteAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsTrace(request.Method) || request.Path.StartsWithSegments("/api") || context.GetEndpoint() is null)
        {
            await next(context);
            return;
        }

        if (ForeignSource(context) is { } source)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Relay.Web").LogCrossSiteRefused(request.Path.Value ?? "", source);
            await Html.Page("Refused", Html.Banner("bad", $"This form was sent from another site ({Html.E(source)}), not from the relay's own page. Open the relay's page and use its forms.") +
                """<p><a href="/">Status page</a></p>""", StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }

        if (!await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
        {
            await Html.Page("Refused", Html.Banner("bad", "The form's anti-forgery token is missing or no longer valid (the relay restarted, or you signed in again). Reload the page and send the form again.") +
                """<p><a href="/">Status page</a></p>""", StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>The other site a request says it comes from, or null when it comes from the relay's own pages (or says nothing).</summary>
    internal static string? ForeignSource(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site")
        {
            return request.Headers.Origin.ToString() is { Length: > 0 } origin ? origin : "Sec-Fetch-Site: " + request.Headers["Sec-Fetch-Site"];
        }

        // Origin "null" is what a browser sends for our own forms under Referrer-Policy: no-referrer; the token decides then.
        var claimed = request.Headers.Origin.ToString() is { Length: > 0 } o && o != "null" ? o : request.Headers.Referer.ToString();
        if (claimed.Length == 0)
        {
            return null;
        }

        if (!Uri.TryCreate(claimed, UriKind.Absolute, out var source))
        {
            return "an address that is not a URL";
        }

        var own = new List<string> { Authority(new Uri($"{request.Scheme}://{request.Host}")) };
        if (context.RequestServices.GetRequiredService<IOptions<WebOptions>>().Value.PublicUrl is { Length: > 0 } publicUrl)
        {
            own.Add(Authority(new Uri(publicUrl)));
        }

        return own.Contains(Authority(source), StringComparer.OrdinalIgnoreCase) ? null : Authority(source);
    }

    private static string Authority(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    /// <summary>The rate limiters' partition: the client's address; for IPv6 its /64, which one machine commonly holds whole.</summary>
    internal static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static RateLimitPartition<string> PerClient(HttpContext context, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(ClientKey(context.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });

    internal static CookieSecurePolicy SecurePolicy(WebOptions web) =>
        web.PublicUrl is { Length: > 0 } publicUrl && publicUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
            ? CookieSecurePolicy.Always
            : CookieSecurePolicy.SameAsRequest;
}
