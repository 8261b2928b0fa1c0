using Microsoft.Identity.Client;
using Relay.Outbound;

namespace Relay.OAuth.Microsoft;

/// <summary>
/// The one HttpClient MSAL uses to reach the Microsoft identity platform: its certificate checked as every upstream's
/// (<see cref="UpstreamCertificateValidator"/>: the system's roots plus <c>Relay:Outbound:TrustedCaFile</c>).
/// </summary>
internal sealed class MsalHttpClientFactory(UpstreamCertificateValidator certificates) : IMsalHttpClientFactory, IDisposable
{
    private readonly Lazy<HttpClient> _client = new(() => new HttpClient(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = certificates.Validate },
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    });

    public HttpClient GetHttpClient() => _client.Value;

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }
}
