using Microsoft.Extensions.Options;

namespace Relay.OAuth;

/// <summary>
/// The key is checked at start: a malformed one, or a missing key file next to a token store that it encrypted, stops
/// the start (exit 2) with what to restore, rather than a failed authorization later or a silently new key that cannot
/// read the store.
/// </summary>
internal sealed class SecretsOptionsValidator(IOptions<RelayOptions> relay) : IValidateOptions<SecretsOptions>
{
    private const string Generate = "Generate one with: head -c 32 /dev/urandom | base64";

    public ValidateOptionsResult Validate(string? name, SecretsOptions options)
    {
        var errors = new OptionsErrors(SecretsOptions.Section);
        if (options.Key is { Length: > 0 } key)
        {
            if (SecretBox.Decode(key) is null)
            {
                errors.Add(nameof(options.Key), $"is not the base64 of 32 bytes. Give the key that encrypted the token store; for a new installation, {Generate}.");
            }

            return errors.Result;
        }

        if (string.IsNullOrWhiteSpace(options.KeyFile))
        {
            errors.Add(nameof(options.KeyFile), "must name the file that holds the encryption key, such as /keys/relay.key.");
            return errors.Result;
        }

        var path = Path.GetFullPath(options.KeyFile);
        if (File.Exists(path))
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(nameof(options.KeyFile), $"'{path}' cannot be read ({ex.Message}). Let the user Relay runs as read it.");
                return errors.Result;
            }

            if (SecretBox.Decode(text) is null)
            {
                errors.Add(nameof(options.KeyFile), $"'{path}' does not hold a valid key (the base64 of 32 bytes). Restore the key file from your backup; for a new installation, {Generate}.");
            }
        }
        else if (TokenStorePath() is { } store)
        {
            errors.Add(nameof(options.KeyFile),
                $"'{path}' does not exist, but the token store {store} is encrypted with the key it held. Restore the key file at {path} " +
                $"(from your backup, or the volume or secret that held it), or point Relay:Secrets:KeyFile to where it is. " +
                $"To start over instead, delete {store} and authorize the account again.");
        }

        return errors.Result;
    }

    /// <summary>A token store of any account (<see cref="TokenStore.PathIn"/>); null when there is none, or the data folder itself is misconfigured (reported for Relay:DataPath).</summary>
    private string? TokenStorePath()
    {
        try
        {
            var folder = Path.GetDirectoryName(TokenStore.PathIn(relay.Value.DataPath))!;
            return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "authorization*.bin").Order(StringComparer.Ordinal).FirstOrDefault() : null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
