using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Relay.Benchmarks;

/// <summary>
/// Where the load generator connects: the relay (plain SMTP, as a legacy application) or, for the direct baseline, the
/// fake Gmail itself with STARTTLS (the test CA trusted) and XOAUTH2, as the relay does.
/// </summary>
internal sealed class SmtpTarget
{
    private readonly int _port;
    private readonly X509Certificate2? _trustedCa;
    private readonly string? _user;
    private readonly string? _accessToken;

    private SmtpTarget(int port, X509Certificate2? trustedCa, string? user, string? accessToken)
    {
        _port = port;
        _trustedCa = trustedCa;
        _user = user;
        _accessToken = accessToken;
    }

    public static SmtpTarget Plain(int port) => new(port, null, null, null);

    public static SmtpTarget StartTlsXOAuth2(int port, X509Certificate2 trustedCa, string user, string accessToken) =>
        new(port, trustedCa, user, accessToken);

    public async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        // Nagle off on the client too, so the figures show the servers' own cost, not the client's delayed ACKs.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new SmtpClient { CheckCertificateRevocation = false };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, _port, cancellationToken);
            if (_trustedCa is null)
            {
                await client.ConnectAsync(socket, "127.0.0.1", _port, SecureSocketOptions.None, cancellationToken);
                return client;
            }

            client.ServerCertificateValidationCallback = IsTrusted;
            await client.ConnectAsync(socket, "localhost", _port, SecureSocketOptions.StartTls, cancellationToken);
            await client.AuthenticateAsync(new SaslMechanismOAuth2(_user!, _accessToken!), cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            socket.Dispose();
            throw;
        }
    }

    private bool IsTrusted(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_trustedCa!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        return custom.Build(presented);
    }
}
