using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Relay.Web;

internal static class WebRegistration
{
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddRelayOptions<WebOptions, WebOptionsValidator>(WebOptions.Section);
        builder.Services.AddSingleton<LoginSecret>();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
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
        _ = app.Services.GetRequiredService<LoginSecret>(); // created at start, so the relay commands can read it at once
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapQueueApi();
        return app;
    }
}
