using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Relay.OAuth;

/// <summary>
/// Keeps the authorized account in <c>&lt;DataPath&gt;/oauth/authorization.bin</c>, encrypted with <see cref="SecretBox"/>,
/// written atomically. Nothing is ever deleted on a failure: a refused token is marked, and replaced by the next authorization.
/// </summary>
internal sealed class TokenStore(IOptions<RelayOptions> relay, SecretBox box, ILogger<TokenStore> logger)
{
    private const string Purpose = "Relay.OAuth.StoredAuthorization.v1";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string FilePath { get; } = PathIn(relay.Value.DataPath);

    public static string PathIn(string dataPath) => Path.GetFullPath(Path.Combine(dataPath, "oauth", "authorization.bin"));

    public StoredAuthorization? Load()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredAuthorization>(box.Unprotect(File.ReadAllBytes(FilePath), Purpose), Json);
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            OAuthLog.StoreUnreadable(logger, FilePath, ex.Message);
            return null;
        }
    }

    public async Task SaveAsync(StoredAuthorization authorization, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        await DurableFile.ReplaceAsync(FilePath, box.Protect(JsonSerializer.Serialize(authorization, Json), Purpose), cancellationToken);
    }

    /// <summary>Forgets the account (after a revocation asked for by the operator); nothing to do for one that came from configuration.</summary>
    public void Delete()
    {
        if (File.Exists(FilePath))
        {
            File.Delete(FilePath);
        }
    }
}
