using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Relay.Inbound;

/// <summary>
/// Accepts the SMTP connections in place of SmtpServer's own listener, so that Relay owns the sockets: a client outside
/// <see cref="InboundOptions.AllowedNetworks"/> gets <c>554 5.7.1</c> and is closed before SMTP starts, connections over
/// the caps get <c>421 4.7.0</c>, replies go out without Nagle's delay (a pipelined client would otherwise wait for a
/// delayed ACK on every message), and the address actually bound is known (port 0 in tests). The address policy sees is
/// the socket's: SmtpServer's PROXY command cannot change it.
/// </summary>
internal sealed class InboundListenerFactory(IOptions<InboundOptions> options, ContainerNetwork network, MessageMemory memory, InboundDrain drain, ILogger<InboundListenerFactory> logger) : IEndpointListenerFactory
{
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<IPEndPoint> _implicitTlsBound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ClientNetworks _allowed = ClientNetworks.From(options.Value, network.Gateways);
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private int _connections;

    /// <summary>The SMTP port's address once bound.</summary>
    public Task<IPEndPoint> Bound => _bound.Task;

    /// <summary>The implicit-TLS port's address once bound (only when one is configured).</summary>
    public Task<IPEndPoint> ImplicitTlsBound => _implicitTlsBound.Task;

    public int Connections => Volatile.Read(ref _connections);

    private TimeSpan DataTimeout => options.Value.DataTimeout;
    private MessageMemory Memory => memory;
    private CancellationToken Stopping => drain.Stopping;

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start();
        if (!endpointDefinition.IsSecure)
        {
            LogGatewayDecision();
        }

        (endpointDefinition.IsSecure ? _implicitTlsBound : _bound).TrySetResult((IPEndPoint)listener.LocalEndpoint);
        return new Listener(listener, this);
    }

    private void LogGatewayDecision()
    {
        foreach (var (gateway, range) in _allowed.GatewaysRefusedInRange)
        {
            InboundLog.GatewayRefused(logger, gateway.ToString(), range.ToString());
        }

        foreach (var gateway in _allowed.GatewaysAdmitted)
        {
            InboundLog.GatewayAdmitted(logger, gateway.ToString(), options.Value.PublishedAddress ?? "");
        }
    }

    /// <summary>Null when the client may go on; otherwise the reply that refuses it.</summary>
    private string? Admit(IPAddress client)
    {
        if (_allowed.Refusal(client) is { } reason)
        {
            InboundLog.Refused(logger, client.ToString(), reason);
            return $"554 5.7.1 {client} is not allowed to use this relay";
        }

        var total = Interlocked.Increment(ref _connections);
        var mine = _perClient.AddOrUpdate(client, 1, (_, count) => count + 1);
        if (total > options.Value.MaxConnections || mine > options.Value.MaxConnectionsPerClient)
        {
            Release(client);
            InboundLog.Refused(logger, client.ToString(), total > options.Value.MaxConnections ? "too many connections" : "too many connections from this client");
            return "421 4.7.0 Too many connections, try again later";
        }

        return null;
    }

    private void Release(IPAddress client)
    {
        Interlocked.Decrement(ref _connections);
        _perClient.AddOrUpdate(client, 0, (_, count) => count - 1);
        _perClient.TryRemove(new KeyValuePair<IPAddress, int>(client, 0));
    }

    private sealed class Listener(TcpListener listener, InboundListenerFactory factory) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            while (true)
            {
                var socket = await listener.AcceptSocketAsync(cancellationToken);
                var client = ((IPEndPoint)socket.RemoteEndPoint!).Address;
                if (factory.Admit(client) is { } refusal)
                {
                    _ = RefuseAsync(socket, refusal);
                    continue;
                }

                socket.NoDelay = true;
                context.Properties[EndpointListener.LocalEndPointKey] = socket.LocalEndPoint!;
                context.Properties[EndpointListener.RemoteEndPointKey] = socket.RemoteEndPoint!;
                return new SocketPipe(socket, factory.DataTimeout, factory.Memory.NewHold(), factory.Stopping, () => factory.Release(client));
            }
        }

        private static async Task RefuseAsync(Socket socket, string reply)
        {
            using (socket)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.SendAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), SocketFlags.None, timeout.Token);
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                }
            }
        }

        public void Dispose() => listener.Stop();
    }
}
