using System.Security.Cryptography;
using System.Text.Json;

namespace Relay.OAuth;

/// <summary>
/// Keeps one account's authorization in <c>&lt;DataPath&gt;/oauth/</c> (<see cref="PathIn"/>), encrypted with
/// <see cref="SecretBox"/>, written atomically. Nothing is ever deleted on a failure: a refused token is marked, and
/// replaced by the next authorization.
/// </summary>
internal sealed class TokenStore(string filePath, SecretBox box, ILogger<TokenStore> logger)
{
    private const string Purpose = "Relay.OAuth.StoredAuthorization.v1";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string FilePath { get; } = Path.GetFullPath(filePath);

    /// <summary>
    /// The account named <c>default</c> (the single-account configuration) keeps <c>authorization.bin</c>, the file of
    /// every relay before several accounts, so an upgrade picks it up as it is; any other account has <c>authorization.NAME.bin</c>.
    /// </summary>
    public static string PathIn(string dataPath, string account = Accounts.Account.DefaultName) =>
        Path.GetFullPath(Path.Combine(dataPath, "oauth", Accounts.Account.FileName(account, "authorization", "bin")));

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
