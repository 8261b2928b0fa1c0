using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmtpServer.IO;

namespace Relay.Inbound;

/// <summary>One client connection as SmtpServer reads and writes it, upgradable to TLS (STARTTLS).</summary>
internal sealed class SocketPipe : ISecurableDuplexPipe
{
    private readonly Socket _socket;
    private readonly Action _onClosed;
    private readonly CancellationTokenRegistration _stopping;

    private int _closed;
    private readonly NetworkStream _network;

    /// <param name="stopping">Cancelled when the relay stops: a read waiting for the next command then ends (see <see cref="SessionReader"/>).</param>
    public SocketPipe(Socket socket, TimeSpan dataIdleTimeout, MessageMemory.Hold memory, CancellationToken stopping, Action onClosed)
    {
        _socket = socket;
        _onClosed = onClosed;
        DataIdleTimeout = dataIdleTimeout;
        Memory = memory;
        _network = new NetworkStream(socket, ownsSocket: true);
        _stopping = stopping.Register(() => _input?.CancelPendingRead());
    }

    /// <summary>Whether the relay is stopping (see <see cref="InboundDrain"/>).</summary>
    public bool Stopping => _stopping.Token.IsCancellationRequested;
    private Stream? _tls;
    private SessionReader? _input;
    private PipeWriter? _output;

    private Stream Stream => _tls ?? _network;
    public PipeReader Input => Reader;
    public PipeWriter Output => _output ??= PipeWriter.Create(Stream);
    public bool IsSecure => _tls is not null;
    public SslProtocols SslProtocol => (_tls as SslStream)?.SslProtocol ?? SslProtocols.None;

    /// <summary>What SmtpServer reads through; it keeps the last command line.</summary>
    public SessionReader Reader => _input ??= new SessionReader(PipeReader.Create(Stream), this);

    /// <summary>Set while a message is being received: each read then waits at most <see cref="DataIdleTimeout"/>.</summary>
    public bool InData { get; set; }

    public TimeSpan DataIdleTimeout { get; }

    /// <summary>This session's share of <see cref="MessageMemory"/>, for the message it is sending.</summary>
    public MessageMemory.Hold Memory { get; }

    /// <summary>Set once the relay closed the session itself, and why.</summary>
    public SessionClose? ClosedBy { get; private set; }

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

    /// <summary>
    /// Tells the client why (421, or 500 for a runaway line) and closes the connection; returns the exception that ends
    /// SmtpServer's session, which cannot be told to stop from inside a read.
    /// </summary>
    public async Task<IOException> CloseAsync(SessionClose reason)
    {
        ClosedBy = reason;
        var reply = reason switch
        {
            SessionClose.DataIdle => "421 4.4.2 No data received for too long, closing the connection; send the message again\r\n",
            SessionClose.MemoryFull => "421 4.3.1 Insufficient system resources: too many messages arriving at once, send this one again in a moment\r\n",
            SessionClose.Stopping => "421 4.3.2 Relay is restarting, try again later\r\n",
            _ => "500 5.5.2 Line too long, closing the connection\r\n",
        };
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Stream.WriteAsync(Encoding.ASCII.GetBytes(reply), quick.Token);
            await Stream.FlushAsync(quick.Token);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        return new IOException($"Session closed by the relay: {reason}");
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _input?.EndDataTimer();
        _tls?.Dispose();
        _network.Dispose();
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Memory.Release();
            _onClosed();
        }
    }
}
