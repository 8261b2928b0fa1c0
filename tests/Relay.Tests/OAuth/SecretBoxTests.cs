using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.OAuth;

namespace Relay.Tests.OAuth;

public sealed class SecretBoxTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("relay-secretbox-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private SecretBox Box(string keyFile) => new(Options.Create(new SecretsOptions { KeyFile = keyFile }), NullLogger<SecretBox>.Instance);

    [Fact]
    public void Protect_RoundTrips_AndTheBlobHoldsNoPlaintext()
    {
        var box = Box(Path.Combine(_folder, "keys", "relay.key"));

        var blob = box.Protect("1//refresh-token-SECRET", "purpose");

        Assert.DoesNotContain("SECRET", System.Text.Encoding.Latin1.GetString(blob), StringComparison.Ordinal);
        Assert.Equal("1//refresh-token-SECRET", box.Unprotect(blob, "purpose"));
        Assert.Equal("1//refresh-token-SECRET", Box(Path.Combine(_folder, "keys", "relay.key")).Unprotect(blob, "purpose")); // after a restart
    }

    [Fact]
    public void Unprotect_WithAnotherPurposeOrKeyOrTamperedBlob_Fails()
    {
        var box = Box(Path.Combine(_folder, "a.key"));
        var blob = box.Protect("secret", "purpose");

        Assert.ThrowsAny<CryptographicException>(() => box.Unprotect(blob, "another purpose"));
        Assert.ThrowsAny<CryptographicException>(() => Box(Path.Combine(_folder, "b.key")).Unprotect(blob, "purpose"));
        blob[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => box.Unprotect(blob, "purpose"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void GeneratedKey_IsReadableByItsOwnerOnly()
    {
        var keyFile = Path.Combine(_folder, "keys", "relay.key");
        Box(keyFile).Protect("x", "p");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(keyFile)).Length);
    }

    [Fact]
    public void BadKey_NamesTheProblemAndTheFix()
    {
        var keyFile = Path.Combine(_folder, "bad.key");
        File.WriteAllText(keyFile, "not base64!");

        var failure = Assert.Throws<CryptographicException>(() => Box(keyFile).Protect("x", "p"));

        Assert.Contains("head -c 32 /dev/urandom | base64", failure.Message, StringComparison.Ordinal);
    }
}
