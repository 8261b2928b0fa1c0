using System.Net;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Relay.Web;

internal static class WebRegistration
{
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddRelayOptions<WebOptions, WebOptionsValidator>(WebOptions.Section);
        builder.Services.AddSingleton<LoginSecret>();
        builder.Services.AddSingleton<RelayMetrics>();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<WebOptions>>((kestrel, web) =>
            {
                if (IPAddress.TryParse(web.Value.Address, out var address))
                {
                    kestrel.Listen(address, web.Value.Port);
                }
            });

        // The sign-in cookie and the anti-forgery tokens only need to outlive the browser session, not a restart: their
        // keys stay in memory, so no key ring is written anywhere (by default it would go, unencrypted, under ~/.aspnet).
        builder.Services.AddDataProtection();
        builder.Services.Configure<KeyManagementOptions>(keys =>
        {
            keys.XmlRepository = new MemoryXmlRepository();
            keys.XmlEncryptor = new NullXmlEncryptor();
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.LoginPath = "/login";
            cookie.Cookie.Name = "relay-login";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax; // Google's redirect back to /oauth/callback is a top-level GET
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
        });
        builder.Services.AddAuthorization();
        builder.Services.AddAntiforgery();
        return builder;
    }

    public static WebApplication MapRelayWeb(this WebApplication app)
    {
        var secret = app.Services.GetRequiredService<LoginSecret>(); // created at start, so the relay commands can read it at once
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapHealth();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<RelayMetrics>().Registry);
        app.MapLogin();
        app.MapAccountPages();
        app.MapAdminApi();
        app.Lifetime.ApplicationStarted.Register(() => AnnounceLogin(app, secret));
        return app;
    }

    /// <summary>
    /// The address to open, in the log. With a generated secret the link carries it (that is how a first-time user gets
    /// in); a secret given in configuration is never printed.
    /// </summary>
    private static void AnnounceLogin(WebApplication app, LoginSecret secret)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var port = address is null ? 0 : new Uri(address.Replace("0.0.0.0", "localhost", StringComparison.Ordinal).Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Relay.Web");
        var web = app.Services.GetRequiredService<IOptions<WebOptions>>().Value;
        var baseUrl = web.PublicUrl is { Length: > 0 } publicUrl ? publicUrl.TrimEnd('/') : $"http://localhost:{port}";
        if (secret.Generated)
        {
            WebLog.LoginLink(logger, $"{baseUrl}/login?secret={Uri.EscapeDataString(secret.Value)}");
        }
        else
        {
            WebLog.LoginPage(logger, $"{baseUrl}/login");
        }
    }
}
