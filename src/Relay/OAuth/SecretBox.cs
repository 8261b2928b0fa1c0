using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Relay.OAuth;

/// <summary>
/// Authenticated encryption (AES-256-GCM) of what Relay keeps at rest, with a key that does not live in the data folder
/// (<see cref="SecretsOptions"/>). A blob is: version byte, 12-byte nonce, 16-byte tag, ciphertext; the purpose is
/// bound in as associated data, so a blob made for one use cannot be passed off as another.
/// </summary>
internal sealed class SecretBox(IOptions<SecretsOptions> options, ILogger<SecretBox> logger)
{
    private const byte Version = 1;
    private readonly Lazy<byte[]> _key = new(() => LoadKey(options.Value, logger));

    public byte[] Protect(string plaintext, string purpose)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var blob = new byte[1 + 12 + 16 + data.Length];
        blob[0] = Version;
        var nonce = blob.AsSpan(1, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key.Value, 16);
        aes.Encrypt(nonce, data, blob.AsSpan(29), blob.AsSpan(13, 16), Encoding.UTF8.GetBytes(purpose));
        return blob;
    }

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> when the blob was not made with this key and purpose.</summary>
    public string Unprotect(byte[] blob, string purpose)
    {
        if (blob.Length < 29 || blob[0] != Version)
        {
            throw new CryptographicException("Not a Relay secret blob (unknown version or too short).");
        }

        var data = new byte[blob.Length - 29];
        using var aes = new AesGcm(_key.Value, 16);
        aes.Decrypt(blob.AsSpan(1, 12), blob.AsSpan(29), blob.AsSpan(13, 16), data, Encoding.UTF8.GetBytes(purpose));
        return Encoding.UTF8.GetString(data);
    }

    /// <summary>Reads the key, or generates it when there is none yet: at start, so that a problem stops the start, not a first use.</summary>
    public void LoadKey() => _ = _key.Value;

    /// <summary>The key of a valid text (the base64 of 32 bytes), or null.</summary>
    internal static byte[]? Decode(string text)
    {
        try
        {
            return Convert.FromBase64String(text.Trim()) is { Length: 32 } key ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] LoadKey(SecretsOptions options, ILogger logger)
    {
        if (options.Key is { Length: > 0 } given)
        {
            return Decode(given) ?? throw Invalid("Relay:Secrets:Key");
        }

        var path = Path.GetFullPath(options.KeyFile);
        if (File.Exists(path))
        {
            return Decode(File.ReadAllText(path)) ?? throw Invalid(path);
        }

        var key = RandomNumberGenerator.GetBytes(32);
        DurableFile.CreateSecret(path, Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
        OAuthLog.KeyGenerated(logger, path);
        return key;
    }

    private static CryptographicException Invalid(string source) =>
        new($"The encryption key in {source} is not the base64 of 32 bytes. Generate one with: head -c 32 /dev/urandom | base64");
}
