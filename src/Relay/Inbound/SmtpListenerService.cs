using System.Net;
using Microsoft.Extensions.Options;
using SmtpServer;

namespace Relay.Inbound;

/// <summary>Runs the SMTP listener; on stop, drains (see <see cref="InboundDrain"/>) before shutting SmtpServer down.</summary>
internal sealed class SmtpListenerService(
    IOptions<InboundOptions> options,
    InboundListenerFactory listenerFactory,
    SpoolingMessageStore store,
    InboundDrain drain,
    TimeProvider time,
    ILogger<SmtpListenerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inbound = options.Value;
        var server = new SmtpServer.SmtpServer(BuildOptions(inbound), Services());
        server.SessionCreated += (_, e) => drain.Track(e.Context);
        server.SessionCompleted += (_, e) => drain.Untrack(e.Context);
        server.SessionCancelled += (_, e) => drain.Untrack(e.Context);
        server.SessionFaulted += (_, e) =>
        {
            drain.Untrack(e.Context);
            InboundLog.SessionFaulted(logger, e.Exception, SpoolingMessageStore.ClientAddress(e.Context));
        };

        // Not the stopping token: cancelling it would cut sessions mid-DATA. The shutdown is ordered below.
        var running = server.StartAsync(CancellationToken.None);
        var bound = await Task.WhenAny(listenerFactory.Bound, running);
        if (bound == running)
        {
            await running; // surfaces the bind failure (port in use, bad address)
            return;
        }

        InboundLog.Listening(logger, (await listenerFactory.Bound).ToString(), inbound.MaxMessageSize);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }

        InboundLog.Draining(logger, drain.InData);
        await drain.DrainAsync(inbound.DrainTimeout, time);

        server.Shutdown();
        await running;
    }

    internal static ISmtpServerOptions BuildOptions(InboundOptions inbound) =>
        new SmtpServerOptionsBuilder()
            .ServerName(inbound.ServerName)
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Parse(inbound.Address), inbound.Port))
                .SessionTimeout(inbound.SessionTimeout))
            .MaxMessageSize(inbound.MaxMessageSize, MaxMessageSizeHandling.Strict)
            .CommandWaitTimeout(inbound.CommandTimeout)
            .Build();

    private SmtpServer.ComponentModel.ServiceProvider Services()
    {
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listenerFactory);
        services.Add(store);
        services.Add(drain);
        return services;
    }
}
