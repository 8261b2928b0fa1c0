namespace Relay.Web;

/// <summary><c>Relay:Web</c>: the HTTP listener (health now; the authorization and status pages later).</summary>
internal sealed class WebOptions
{
    public const string Section = "Relay:Web";

    public string Address { get; set; } = "0.0.0.0";
    public int Port { get; set; } = 8025;
}
