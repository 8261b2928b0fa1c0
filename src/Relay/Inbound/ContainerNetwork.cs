using System.Globalization;
using System.Net;

namespace Relay.Inbound;

/// <summary>
/// The container's default gateway, when Relay runs in a container (<c>DOTNET_RUNNING_IN_CONTAINER=true</c>, as in the
/// .NET images). Docker's userland proxy hands the container every connection it relays (IPv6 clients of the published
/// port, programs on the host, rootless Docker, Docker Desktop) with that address as the source, so a client seen from
/// the gateway could be anyone who reaches the published port: see <see cref="ClientNetworks"/>.
/// </summary>
internal sealed class ContainerNetwork
{
    public const string RouteFile = "/proc/net/route";

    private readonly Lazy<IPAddress?> _gateway;

    /// <param name="routeFile">The kernel's IPv4 routing table (<see cref="RouteFile"/>); null outside a container.</param>
    public ContainerNetwork(string? routeFile) => _gateway = new(() => routeFile is null ? null : ReadGateway(routeFile));

    public static ContainerNetwork Detect() =>
        new(string.Equals(Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER"), "true", StringComparison.OrdinalIgnoreCase) ? RouteFile : null);

    /// <summary>The default route's gateway, or null when there is none (or not in a container).</summary>
    public IPAddress? Gateway => _gateway.Value;

    /// <summary>Reads the gateway of the default route from a file in the format of <c>/proc/net/route</c>.</summary>
    internal static IPAddress? ReadGateway(string routeFile)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(routeFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT; addresses as the kernel's 32-bit
        // value in hex, in this machine's byte order. The default route: destination and mask 0, flag RTF_GATEWAY (2).
        const int Gateway = 0x2;
        return lines.Skip(1)
            .Select(line => line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 8
                && fields[1] == "00000000" && fields[7] == "00000000"
                && int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) && (flags & Gateway) != 0
                && uint.TryParse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _))
            .OrderBy(fields => int.TryParse(fields[6], CultureInfo.InvariantCulture, out var metric) ? metric : int.MaxValue)
            .Select(fields => new IPAddress(BitConverter.GetBytes(uint.Parse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture))))
            .FirstOrDefault();
    }
}
