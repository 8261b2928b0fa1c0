using System.Net;
using System.Net.Sockets;

namespace Relay.Accounts;

/// <summary>A network as written in configuration: CIDR (<c>10.1.0.0/16</c>) or a single address (as /32 or /128).</summary>
internal static class NetworkText
{
    public static bool TryParse(string? text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }
}
