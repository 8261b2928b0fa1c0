using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Relay.Outbound;

/// <summary>
/// Validates the upstream's certificate: the system's trust store, plus the CAs of <c>Relay:Outbound:TrustedCaFile</c>
/// when one is given. Host name checks always apply; there is deliberately no way to accept any certificate.
/// </summary>
internal sealed class UpstreamCertificateValidator
{
    private readonly Lazy<X509Certificate2Collection> _extraRoots;

    public UpstreamCertificateValidator(IOptions<OutboundOptions> options)
    {
        _extraRoots = new(() =>
        {
            var roots = new X509Certificate2Collection();
            if (!string.IsNullOrEmpty(options.Value.TrustedCaFile))
            {
                roots.ImportFromPemFile(options.Value.TrustedCaFile);
            }

            return roots;
        });
    }

    /// <summary>Reads <c>TrustedCaFile</c>, once (<see cref="StartupSequence"/>); the first validation reads it otherwise.</summary>
    public void Load() => _ = _extraRoots.Value;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || _extraRoots.Value.Count == 0 || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots.Value);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
