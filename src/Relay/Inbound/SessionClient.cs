using System.Net;
using SmtpServer;
using SmtpServer.Net;

namespace Relay.Inbound;

internal static class SessionClient
{
    /// <summary>The client's address as the socket saw it (set by <see cref="InboundListenerFactory"/>; a PROXY command cannot change it).</summary>
    public static IPAddress ClientIp(this ISessionContext context) =>
        context.Properties.TryGetValue(EndpointListener.RemoteEndPointKey, out var endpoint) && endpoint is IPEndPoint ip ? ip.Address : IPAddress.None;

    public static string ClientAddress(this ISessionContext context) => context.ClientIp().ToString();
}
