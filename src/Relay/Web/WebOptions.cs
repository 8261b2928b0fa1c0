namespace Relay.Web;

/// <summary><c>Relay:Web</c>: the HTTP listener (health now; the authorization and status pages later).</summary>
internal sealed class WebOptions
{
    public const string Section = "Relay:Web";

    public string Address { get; set; } = "0.0.0.0";
    public int Port { get; set; } = 8025;

    /// <summary>Protects the web pages and the admin API. Secret. When not given, one is generated at first start and kept in the data folder.</summary>
    public string? LoginSecret { get; set; }
}
