using System.Net;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>
/// The admin API's ID check, reached with what a URL library would normalise away. The requests change nothing, so
/// the class shares one relay.
/// </summary>
public sealed class AdminApiInputTests(AdminApiInputTests.SharedRelay shared) : IClassFixture<AdminApiInputTests.SharedRelay>
{
    public sealed class SharedRelay : IAsyncLifetime
    {
        internal RelayHarness Harness { get; private set; } = null!;
        internal RelayInstance Relay { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Harness = await RelayHarness.StartAsync();
            Relay = await Harness.StartRelayAsync();
        }

        public async Task DisposeAsync()
        {
            await Relay.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("DELETE", "%2e%2e%2f%2e%2e%2fcanary")]
    [InlineData("DELETE", "..%2f..%2fcanary")]
    [InlineData("GET", "%2e%2e%2f%2e%2e%2fcanary")]
    [InlineData("POST", "%2e%2e%2f%2e%2e%2fcanary/retry")]
    [InlineData("DELETE", "ghijklmnopqrstuvwxyzghijklmnopqr")]
    [InlineData("DELETE", "0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("GET", "0123456789abcdef0123456789abcde")]
    public async Task AdminApi_EncodedTraversalOrNonHexId_ReachesTheIdCheck_AndTouchesNoFile(string method, string id)
    {
        var (harness, relay) = (shared.Harness, shared.Relay);
        // What a traversal would reach from spool/queue or spool/dead: <DataPath>/canary.json and .eml.
        var canary = Path.Combine(harness.DataPath, "canary");
        await File.WriteAllTextAsync(canary + ".json", "{}");
        await File.WriteAllTextAsync(canary + ".eml", "Subject: canary\r\n\r\n");

        // Sent on a raw socket: HttpClient's Uri would normalise or re-escape the path before it leaves.
        var (status, body) = await RawHttpAsync(new Uri(relay.WebAddress).Port, method, "/api/queue/" + id, relay.LoginSecret);

        Assert.Equal(404, status);
        Assert.Contains("No message with ID", body, StringComparison.Ordinal); // the ID check answered, not routing
        Assert.True(File.Exists(canary + ".json"));
        Assert.True(File.Exists(canary + ".eml"));
    }

    private static async Task<(int Status, string Body)> RawHttpAsync(int port, string method, string target, string secret)
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        var request = $"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {secret}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        var response = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}
