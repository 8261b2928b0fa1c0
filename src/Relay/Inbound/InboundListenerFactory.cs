using System.Net;
using SmtpServer.Net;

namespace Relay.Inbound;

/// <summary>SmtpServer's listener, plus the address it actually bound (port 0 in tests).</summary>
internal sealed class InboundListenerFactory : EndpointListenerFactory
{
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public InboundListenerFactory() => EndpointStarted += (_, e) => _bound.TrySetResult((IPEndPoint)e.LocalEndPoint);

    public Task<IPEndPoint> Bound => _bound.Task;
}
