namespace Relay.Web;

/// <summary><c>Relay:Web</c>: the HTTP listener (web page, admin API, health, metrics).</summary>
internal sealed class WebOptions
{
    public const string Section = "Relay:Web";

    /// <summary>Shortest login secret accepted in configuration.</summary>
    public const int MinimumLoginSecretLength = 20;

    /// <summary>
    /// The address to listen on. By default 127.0.0.1 (this machine only); in a container (<c>DOTNET_RUNNING_IN_CONTAINER=true</c>,
    /// as in the official .NET images) 0.0.0.0, so the published port works; the compose file publishes it on the host's loopback.
    /// </summary>
    public string Address { get; set; } = DefaultAddress(Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER"));

    public int Port { get; set; } = 8025;

    /// <summary>
    /// The https address the relay's web page is reached at (behind a reverse proxy), for a Google <b>Web</b> client:
    /// its callback <c>{PublicUrl}/oauth/callback</c> must be registered in the client. Leave empty for a Desktop client.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>Protects the web pages and the admin API. Secret. When not given, one is generated at first start and kept in the data folder.</summary>
    public string? LoginSecret { get; set; }

    /// <summary>
    /// Reverse proxies (IP addresses or CIDR networks) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed.
    /// Empty (the default): forwarded headers are ignored, whoever sends them.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Requests to <c>/login</c> allowed per client address and minute; more are answered 429.</summary>
    public int LoginRequestsPerMinute { get; set; } = 10;

    /// <summary>Requests to <c>/api</c> allowed per client address and minute; more are answered 429.</summary>
    public int ApiRequestsPerMinute { get; set; } = 300;

    internal static string DefaultAddress(string? runningInContainer) =>
        string.Equals(runningInContainer, "true", StringComparison.OrdinalIgnoreCase) ? "0.0.0.0" : "127.0.0.1";
}
