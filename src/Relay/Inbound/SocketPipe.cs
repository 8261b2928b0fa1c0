using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer.IO;

namespace Relay.Inbound;

/// <summary>One client connection as SmtpServer reads and writes it, upgradable to TLS (STARTTLS).</summary>
internal sealed class SocketPipe(Socket socket, Action onClosed) : ISecurableDuplexPipe
{
    private int _closed;
    private readonly NetworkStream _network = new(socket, ownsSocket: true);
    private Stream? _tls;
    private PipeReader? _input;
    private PipeWriter? _output;

    private Stream Stream => _tls ?? _network;
    public PipeReader Input => _input ??= PipeReader.Create(Stream);
    public PipeWriter Output => _output ??= PipeWriter.Create(Stream);
    public bool IsSecure => _tls is not null;
    public SslProtocols SslProtocol => (_tls as SslStream)?.SslProtocol ?? SslProtocols.None;

    public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
    {
        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = protocols,
                ClientCertificateRequired = false,
            }, cancellationToken);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        _tls = ssl;
        _input = null;
        _output = null;
    }

    public void Dispose()
    {
        _tls?.Dispose();
        _network.Dispose();
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            onClosed();
        }
    }
}
