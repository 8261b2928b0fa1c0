using System.Globalization;
using System.Net;

namespace Relay.Inbound;

/// <summary>
/// The container's default gateways (IPv4 and, on an IPv6-enabled network, IPv6), when Relay runs in a container
/// (<c>DOTNET_RUNNING_IN_CONTAINER=true</c>, as in the .NET images). Docker's userland proxy hands the container every
/// connection it relays (IPv6 clients of the published port, programs on the host, rootless Docker, Docker Desktop)
/// with a gateway's address as the source, so a client seen from a gateway could be anyone who reaches the published
/// port: see <see cref="ClientNetworks"/>.
/// </summary>
internal sealed class ContainerNetwork
{
    public const string RouteFile = "/proc/net/route";
    public const string Ipv6RouteFile = "/proc/net/ipv6_route";

    private readonly Lazy<IReadOnlyList<IPAddress>> _gateways;

    /// <param name="routeFile">The kernel's IPv4 routing table (<see cref="RouteFile"/>); null outside a container.</param>
    /// <param name="ipv6RouteFile">The kernel's IPv6 routing table (<see cref="Ipv6RouteFile"/>); null outside a container.</param>
    public ContainerNetwork(string? routeFile, string? ipv6RouteFile = null) =>
        _gateways = new(() => new[] { ReadGateway(routeFile), ReadIpv6Gateway(ipv6RouteFile) }.OfType<IPAddress>().ToList());

    public static ContainerNetwork Detect() =>
        string.Equals(Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER"), "true", StringComparison.OrdinalIgnoreCase)
            ? new(RouteFile, Ipv6RouteFile)
            : new(null);

    /// <summary>The default routes' gateways: none outside a container, or when there is no default route.</summary>
    public IReadOnlyList<IPAddress> Gateways => _gateways.Value;

    /// <summary>Reads the gateway of the default route from a file in the format of <c>/proc/net/route</c>.</summary>
    internal static IPAddress? ReadGateway(string? routeFile)
    {
        // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT; addresses as the kernel's 32-bit
        // value in hex, in this machine's byte order. The default route: destination and mask 0, flag RTF_GATEWAY (2).
        return Lines(routeFile).Skip(1)
            .Select(line => line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 8
                && fields[1] == "00000000" && fields[7] == "00000000"
                && HasGatewayFlag(fields[3])
                && uint.TryParse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _))
            .OrderBy(fields => int.TryParse(fields[6], CultureInfo.InvariantCulture, out var metric) ? metric : int.MaxValue)
            .Select(fields => new IPAddress(BitConverter.GetBytes(uint.Parse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture))))
            .FirstOrDefault();
    }

    /// <summary>Reads the gateway of the default route from a file in the format of <c>/proc/net/ipv6_route</c>.</summary>
    internal static IPAddress? ReadIpv6Gateway(string? routeFile)
    {
        // Destination, its prefix length, source, its prefix length, next hop (addresses as 32 hex digits in network
        // order), metric, reference count, use, flags (hex), interface. The default route: ::/0 with RTF_GATEWAY (2) and
        // a next hop; the kernel's "unreachable" default (flag RTF_REJECT, on lo, next hop ::) does not count.
        return Lines(routeFile)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 10
                && fields[0] == new string('0', 32) && fields[1] == "00"
                && HasGatewayFlag(fields[8])
                && fields[4].Length == 32 && fields[4] != new string('0', 32))
            .OrderBy(fields => uint.TryParse(fields[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var metric) ? metric : uint.MaxValue)
            .Select(fields => new IPAddress(Convert.FromHexString(fields[4])))
            .FirstOrDefault();
    }

    private static bool HasGatewayFlag(string flags) =>
        uint.TryParse(flags, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value) && (value & 0x2) != 0;

    private static string[] Lines(string? file)
    {
        try
        {
            return file is null ? [] : File.ReadAllLines(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
