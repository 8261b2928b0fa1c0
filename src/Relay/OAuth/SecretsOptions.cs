namespace Relay.OAuth;

/// <summary><c>Relay:Secrets</c>: the key that encrypts what Relay stores (refresh token, a client secret entered on the page).</summary>
internal sealed class SecretsOptions
{
    public const string Section = "Relay:Secrets";

    /// <summary>
    /// File holding the key (base64 of 32 random bytes): a Docker secret such as <c>/run/secrets/relay_key</c>, or a
    /// folder apart from the data folder. Generated at the first start when it does not exist (and no token store does);
    /// a folder created for it is made owner-only, an existing one is left as it is.
    /// </summary>
    public string KeyFile { get; set; } = Path.Combine("keys", "relay.key");

    /// <summary>The key itself (base64), for environments that hand secrets as variables. Secret. Wins over <see cref="KeyFile"/>.</summary>
    public string? Key { get; set; }
}
