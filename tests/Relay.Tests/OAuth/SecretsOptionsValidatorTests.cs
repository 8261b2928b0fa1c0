using Microsoft.Extensions.Options;
using Relay.OAuth;

namespace Relay.Tests.OAuth;

public sealed class SecretsOptionsValidatorTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("relay-secrets-test-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void MissingKeyFile_WithOnlyAnotherAccountsTokenStore_StopsTheStart_NamingThatStore()
    {
        // An account of Relay:Accounts other than 'default' keeps authorization.NAME.bin: a new key could not read it either.
        var store = TokenStore.PathIn(_data, "scanner");
        Directory.CreateDirectory(Path.GetDirectoryName(store)!);
        File.WriteAllBytes(store, [1, 2, 3]);
        var keyFile = Path.Combine(_data + "-keys", "relay.key");

        var result = new SecretsOptionsValidator(Options.Create(new RelayOptions { DataPath = _data })).Validate(null, new SecretsOptions { KeyFile = keyFile });

        var error = Assert.Single(result.Failures ?? []);
        Assert.Contains($"the token store {store} is encrypted with the key it held", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingKeyFile_WithNoTokenStore_IsFine_AKeyIsMade()
    {
        var result = new SecretsOptionsValidator(Options.Create(new RelayOptions { DataPath = _data })).Validate(null, new SecretsOptions { KeyFile = Path.Combine(_data + "-keys", "relay.key") });

        Assert.True(result.Succeeded);
    }
}
