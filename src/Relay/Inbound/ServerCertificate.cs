using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Net;

namespace Relay.Inbound;

/// <summary>
/// The certificate for local STARTTLS and implicit TLS: from <see cref="InboundOptions.CertificateFile"/> (PEM with its
/// key file, or PFX), read again whenever the file changes (a renewed certificate needs no restart); or, when none is
/// given, a self-signed one generated at first start and kept in <c>&lt;DataPath&gt;/tls/self-signed.pfx</c>.
/// </summary>
internal sealed class ServerCertificate(IOptions<InboundOptions> options, IOptions<RelayOptions> relay, ILogger<ServerCertificate> logger) : ICertificateFactory
{
    private readonly Lock _lock = new();
    private X509Certificate2? _current;
    private DateTime _loadedWriteTime;

    public X509Certificate GetServerCertificate(ISessionContext sessionContext) => Current;

    public X509Certificate2 Current
    {
        get
        {
            lock (_lock)
            {
                var path = Path.GetFullPath(options.Value.CertificateFile is { Length: > 0 } file ? file : SelfSignedPath);
                var written = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : default;
                if (_current is null || written != _loadedWriteTime)
                {
                    _current = options.Value.CertificateFile is { Length: > 0 } ? Load(options.Value) : LoadOrCreateSelfSigned();
                    _loadedWriteTime = File.GetLastWriteTimeUtc(path);
                    InboundLog.CertificateLoaded(logger, _current.Subject, _current.Thumbprint, _current.NotAfter);
                }

                return _current;
            }
        }
    }

    private string SelfSignedPath => Path.Combine(relay.Value.DataPath, "tls", "self-signed.pfx");

    internal static X509Certificate2 Load(InboundOptions options)
    {
        var file = options.CertificateFile!;
        if (file.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(file, options.CertificatePassword);
        }

        using var pem = X509Certificate2.CreateFromPemFile(file, options.CertificateKeyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null); // SslStream wants a persisted key
    }

    private X509Certificate2 LoadOrCreateSelfSigned()
    {
        var path = Path.GetFullPath(SelfSignedPath);
        if (File.Exists(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, null);
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={options.Value.ServerName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(options.Value.ServerName);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        var pfx = created.Export(X509ContentType.Pkcs12);
        DurableFile.CreateSecret(path, pfx); // it holds the private key

        InboundLog.SelfSignedCertificate(logger, path);
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }
}
