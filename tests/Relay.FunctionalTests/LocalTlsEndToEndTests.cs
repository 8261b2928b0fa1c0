using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Relay.Inbound;

namespace Relay.FunctionalTests;

/// <summary>Local TLS for devices that insist on it: STARTTLS on the SMTP port, implicit TLS on a second one.</summary>
public sealed class LocalTlsEndToEndTests : HarnessTest
{
    [Fact]
    public async Task StartTls_WithAGeneratedSelfSignedCertificate_Delivers()
    {
        await using var relay = await Harness.StartRelayAsync(s => s["Relay:Inbound:StartTls"] = "true");
        var presented = relay.App.Services.GetRequiredService<ServerCertificate>().Current;
        using var client = Client(presented, out var seen);

        await client.ConnectAsync("127.0.0.1", relay.SmtpPort, SecureSocketOptions.StartTls);
        await client.SendAsync(Messages.Simple());

        Assert.True(client.IsSecure);
        Assert.True(client.SslProtocol is SslProtocols.Tls12 or SslProtocols.Tls13);
        Assert.Equal(presented.Thumbprint, seen());
        Assert.True(File.Exists(Path.Combine(Harness.DataPath, "tls", "self-signed.pfx")));
        await Harness.Gmail.NextMessageAsync();
    }

    [Fact]
    public async Task ImplicitTls_OnItsOwnPort_WithThePemCertificateGiven_AndAReplacedCertificateIsPickedUp()
    {
        var folder = Harness.DataPath + "-keys";
        Directory.CreateDirectory(folder);
        var (certFile, keyFile) = (Path.Combine(folder, "smtp.crt"), Path.Combine(folder, "smtp.key"));
        var first = WritePem(certFile, keyFile, "CN=first");
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:ImplicitTlsPort"] = "0"; // a port the OS picks
            s["Relay:Inbound:CertificateFile"] = certFile;
            s["Relay:Inbound:CertificateKeyFile"] = keyFile;
        });
        var port = (await relay.App.Services.GetRequiredService<InboundListenerFactory>().ImplicitTlsBound).Port;

        using (var client = Client(null, out var seen))
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.SslOnConnect);
            await client.SendAsync(Messages.Simple());
            Assert.Equal(first, seen());
        }

        var second = WritePem(certFile, keyFile, "CN=second");
        File.SetLastWriteTimeUtc(certFile, DateTime.UtcNow.AddSeconds(5));
        using (var client = Client(null, out var seen))
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.SslOnConnect);
            Assert.Equal(second, seen());
        }
    }

    [Fact]
    public async Task PfxCertificate_OpenedWithCertificatePassword_IsTheOnePresented()
    {
        var folder = Harness.DataPath + "-keys";
        Directory.CreateDirectory(folder);
        var pfxFile = Path.Combine(folder, "smtp.pfx");
        const string password = "pfx-password-for-the-test";
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=pfx.relay.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllBytesAsync(pfxFile, certificate.Export(X509ContentType.Pfx, password));
        }

        var expected = X509CertificateLoader.LoadPkcs12FromFile(pfxFile, password).Thumbprint;
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:StartTls"] = "true";
            s["Relay:Inbound:CertificateFile"] = pfxFile;
            s["Relay:Inbound:CertificatePassword"] = password;
        });
        using var client = Client(null, out var seen);

        await client.ConnectAsync("127.0.0.1", relay.SmtpPort, SecureSocketOptions.StartTls);

        Assert.Equal(expected, seen());
        Assert.DoesNotContain(password, relay.Logs.All, StringComparison.Ordinal);
    }

    /// <summary>A client that accepts only the expected certificate (any, when null) and tells which one it saw.</summary>
    private static SmtpClient Client(X509Certificate2? expected, out Func<string?> seen)
    {
        string? thumbprint = null;
        seen = () => thumbprint;
        return new SmtpClient
        {
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = (_, certificate, _, _) =>
            {
                thumbprint = new X509Certificate2(certificate!).Thumbprint;
                return expected is null || thumbprint == expected.Thumbprint;
            },
        };
    }

    private static string WritePem(string certFile, string keyFile, string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return certificate.Thumbprint;
    }
}
