using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Relay.Accounts;
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
    /// <summary>
    /// The relay's configuration exactly as the host reads it (appsettings.json, appsettings.{Environment}.json,
    /// <c>Relay__…</c> environment variables, command-line settings), for the commands that talk to a running relay.
    /// </summary>
    public static IConfiguration Configuration(string[] args) => WebApplication.CreateBuilder(HostOptions(args)).Configuration;

    // appsettings.json is read from beside the program, whatever the working folder (which holds ./data).
    private static WebApplicationOptions HostOptions(string[] args) => new() { Args = args, ContentRootPath = AppContext.BaseDirectory };

    /// <param name="serve">False for the diagnostic commands: the services are built (and the configuration validated) but
    /// nothing that touches the spool or the web is set up, so they can run beside a running relay.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, bool serve = true)
    {
        var builder = WebApplication.CreateBuilder(HostOptions(args));
        builder.Logging.ClearProviders();
        // Each host gets its own logger (the static Log.Logger stays Program's bootstrap logger), and logging
        // providers added to the builder receive the events too.
        builder.Services.AddSerilog(
            (services, logger) => logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext().Enrich.With<SecretRedaction>()
                // Program reports a failed start in one line (a port in use, a locked data folder); the host's own report
                // of it would repeat it with a stack trace.
                .Filter.ByExcluding(e => e.MessageTemplate.Text == "Hosting failed to start"),
            preserveStaticLogger: true,
            writeToProviders: true);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DataFolderLock>();
        builder.Services.AddRelayOptions<RelayOptions, RelayOptionsValidator>(RelayOptions.Section);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(45));

        // Before every other hosted service: the start-up file work, in its order.
        builder.Services.AddSingleton<StartupSequence>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<StartupSequence>());

        // In the order of the data flow.
        builder.Services
            .AddInbound()
            .AddSpool()
            .AddRewrite()
            .AddAccounts()
            .AddOutbound()
            .AddOAuth()
            .AddNotify();
        builder.AddWeb();

        configure?.Invoke(builder);
        WebApplication app;
        try
        {
            app = builder.Build();
        }
        catch (OptionsValidationException) when (StartupValidation(builder.Services) is { } all)
        {
            // Kestrel reads the web options while the application is built: that section failed first, report them all.
            throw all;
        }

        // Every options error at once, before any service reads a half-valid value.
        app.Services.GetService<IStartupValidator>()?.Validate();
        if (serve)
        {
            try
            {
                app.Services.GetRequiredService<DataFolderLock>(); // held until the app is disposed
                LoadKey(app.Services);
            }
            catch (Exception ex) when (ex is DataFolderLockedException or OptionsValidationException)
            {
                ((IDisposable)app).Dispose();
                throw;
            }

            app.MapRelayWeb();
        }

        return app;
    }

    /// <summary>The key that encrypts the token store, read or generated now: a failure is a configuration error, not a 500 later.</summary>
    private static void LoadKey(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<SecretBox>().LoadKey();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            var errors = new OptionsErrors(SecretsOptions.Section);
            var path = Path.GetFullPath(services.GetRequiredService<IOptions<SecretsOptions>>().Value.KeyFile);
            errors.Add(nameof(SecretsOptions.KeyFile), $"names '{path}', where the key cannot be read or created ({ex.Message}). Let Relay write there, or give an existing key file.");
            throw new OptionsValidationException(SecretsOptions.Section, typeof(SecretsOptions), errors.Result.Failures);
        }
    }

    /// <summary>What the start-up validation of every options section finds, in a container of its own.</summary>
    private static Exception? StartupValidation(IServiceCollection services)
    {
#pragma warning disable ASP0000 // a second container on purpose: only to validate, disposed at once
        using var provider = services.BuildServiceProvider();
#pragma warning restore ASP0000
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
            return null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            return ex;
        }
    }
}
