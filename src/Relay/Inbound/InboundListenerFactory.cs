using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Relay.Inbound;

/// <summary>
/// Accepts the SMTP connections in place of SmtpServer's own listener, so that Relay owns the sockets: replies are
/// sent without Nagle's delay (a pipelined client would otherwise wait for a delayed ACK on every message), and the
/// address actually bound is known (port 0 in tests).
/// </summary>
internal sealed class InboundListenerFactory : IEndpointListenerFactory
{
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IPEndPoint> Bound => _bound.Task;

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start();
        _bound.TrySetResult((IPEndPoint)listener.LocalEndpoint);
        return new Listener(listener);
    }

    private sealed class Listener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var socket = await listener.AcceptSocketAsync(cancellationToken);
            socket.NoDelay = true;
            context.Properties[EndpointListener.LocalEndPointKey] = socket.LocalEndPoint!;
            context.Properties[EndpointListener.RemoteEndPointKey] = socket.RemoteEndPoint!;
            return new SocketPipe(socket);
        }

        public void Dispose() => listener.Stop();
    }
}
