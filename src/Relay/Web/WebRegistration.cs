using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Relay.Web;

internal static class WebRegistration
{
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddRelayOptions<WebOptions, WebOptionsValidator>(WebOptions.Section);
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<WebOptions>>((kestrel, web) =>
            {
                if (IPAddress.TryParse(web.Value.Address, out var address))
                {
                    kestrel.Listen(address, web.Value.Port);
                }
            });
        return builder;
    }

    public static WebApplication MapRelayWeb(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        return app;
    }
}
