using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Relay.Inbound;
using Relay.Notify;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Rewrite;
using Relay.Spool;
using Relay.Web;
using Serilog;

namespace Relay;

/// <summary>The relay host: one process, SMTP in, spool, delivery worker, web. Tests build it with their own settings.</summary>
internal static class RelayApp
{
    /// <param name="serve">False for the diagnostic commands: the services are built (and the configuration validated) but
    /// nothing that touches the spool or the web is set up, so they can run beside a running relay.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, bool serve = true)
    {
        // appsettings.json is read from beside the program, whatever the working folder (which holds ./data).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // Each host gets its own logger (the static Log.Logger stays Program's bootstrap logger), and logging
        // providers added to the builder receive the events too.
        builder.Services.AddSerilog(
            (services, logger) => logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext().Enrich.With<SecretRedaction>(),
            preserveStaticLogger: true,
            writeToProviders: true);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddRelayOptions<RelayOptions, RelayOptionsValidator>(RelayOptions.Section);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(45));

        // In the order of the data flow.
        builder.Services
            .AddInbound()
            .AddSpool()
            .AddRewrite()
            .AddOutbound()
            .AddOAuth()
            .AddNotify();
        builder.AddWeb();

        configure?.Invoke(builder);
        var app = builder.Build();

        // Every options error at once, before any service reads a half-valid value.
        app.Services.GetService<IStartupValidator>()?.Validate();
        if (serve)
        {
            app.MapRelayWeb();
        }

        return app;
    }
}
