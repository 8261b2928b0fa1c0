using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using SmtpServer.Net;
using Microsoft.Extensions.Options;
using SmtpServer;

namespace Relay.Inbound;

/// <summary>Runs the SMTP listener; on stop, drains (see <see cref="InboundDrain"/>) before shutting SmtpServer down.</summary>
internal sealed class SmtpListenerService(
    IOptions<InboundOptions> options,
    InboundListenerFactory listenerFactory,
    SpoolingMessageStore store,
    InboundDrain drain,
    InboundPolicy policy,
    LocalUsers users,
    LocalAuthenticator authenticator,
    ServerCertificate certificate,
    TimeProvider time,
    ILogger<SmtpListenerService> logger) : BackgroundService
{
    private SmtpServer.SmtpServer? _server;
    private Task _running = Task.CompletedTask;

    /// <summary>Binds the port before the host reports itself started, so a port in use stops the start with an error.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var inbound = options.Value;
        var server = new SmtpServer.SmtpServer(BuildOptions(inbound, users.Any, inbound.TlsEnabled ? certificate : null), Services());
        server.SessionCreated += (_, e) =>
        {
            CommandLines.Watch(e.Context); // first: a command it refuses never reaches the policy
            drain.Track(e.Context);
        };
        server.SessionCompleted += (_, e) => drain.Ended(e.Context);
        server.SessionCancelled += (_, e) => drain.Ended(e.Context);
        server.SessionFaulted += (_, e) =>
        {
            drain.Ended(e.Context);
            if (e.Context.Pipe is SocketPipe { ClosedBy: { } reason })
            {
                InboundLog.SessionClosed(logger, e.Context.ClientAddress(), reason);
            }
            else
            {
                InboundLog.SessionFaulted(logger, e.Exception, e.Context.ClientAddress());
            }
        };

        // Not the host's token: cancelling it would cut sessions mid-DATA. The shutdown is ordered in ExecuteAsync.
        _server = server;
        _running = server.StartAsync(CancellationToken.None);
        if (await Task.WhenAny(listenerFactory.Bound, _running) == _running)
        {
            try
            {
                await _running;
            }
            catch (SocketException ex)
            {
                throw new IOException($"Cannot listen for SMTP on {inbound.Address}:{inbound.Port}: {ex.Message}", ex);
            }
        }

        InboundLog.Listening(logger, (await listenerFactory.Bound).ToString(), inbound.MaxMessageSize);
        if (inbound.ImplicitTlsPort is not null)
        {
            InboundLog.ListeningTls(logger, (await listenerFactory.ImplicitTlsBound).ToString());
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }

        InboundLog.Draining(logger, drain.InData);
        await drain.DrainAsync(options.Value.DrainTimeout, time);
        _server?.Shutdown();
        await _running;
    }

    /// <param name="auth">Whether local users exist. Plain-text AUTH is accepted without TLS: only clients from the allowed
    /// networks get this far, and legacy applications cannot do better.</param>
    /// <param name="certificate">For STARTTLS and implicit TLS, when either is on.</param>
    internal static ISmtpServerOptions BuildOptions(InboundOptions inbound, bool auth, ICertificateFactory? certificate)
    {
        var address = IPAddress.Parse(inbound.Address);
        var builder = new SmtpServerOptionsBuilder()
            .ServerName(inbound.ServerName)
            .CustomSmtpGreeting(_ => $"220 {inbound.ServerName} ESMTP ready") // SmtpServer's own greeting tells its version
            .Endpoint(endpoint =>
            {
                endpoint
                    .Endpoint(new IPEndPoint(address, inbound.Port))
                    .SessionTimeout(inbound.SessionTimeout)
                    .AllowUnsecureAuthentication(auth)
                    .AuthenticationRequired(auth && inbound.RequireAuth);
                if (inbound.StartTls && certificate is not null)
                {
                    endpoint.Certificate(certificate).SupportedSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13);
                }
            });
        if (inbound.ImplicitTlsPort is { } implicitTls && certificate is not null)
        {
            builder.Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(address, implicitTls))
                .IsSecure(true)
                .Certificate(certificate)
                .SupportedSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .SessionTimeout(inbound.SessionTimeout)
                .AllowUnsecureAuthentication(auth)
                .AuthenticationRequired(auth && inbound.RequireAuth));
        }

        return builder
            .MaxMessageSize(inbound.MaxMessageSize, MaxMessageSizeHandling.Strict)
            .CommandWaitTimeout(inbound.CommandTimeout)
            .Build();
    }

    private SmtpServer.ComponentModel.ServiceProvider Services()
    {
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listenerFactory);
        services.Add(store);
        services.Add(policy);
        if (users.Any)
        {
            services.Add(authenticator); // its presence is what makes SmtpServer offer AUTH
        }
        return services;
    }
}
