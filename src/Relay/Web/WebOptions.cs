namespace Relay.Web;

/// <summary><c>Relay:Web</c>: the HTTP listener (health now; the authorization and status pages later).</summary>
internal sealed class WebOptions
{
    public const string Section = "Relay:Web";

    public string Address { get; set; } = "0.0.0.0";
    public int Port { get; set; } = 8025;

    /// <summary>
    /// The https address the relay's web page is reached at (behind a reverse proxy), for a Google <b>Web</b> client:
    /// its callback <c>{PublicUrl}/oauth/callback</c> must be registered in the client. Leave empty for a Desktop client.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>Protects the web pages and the admin API. Secret. When not given, one is generated at first start and kept in the data folder.</summary>
    public string? LoginSecret { get; set; }
}
