using System.Security.Cryptography;
using System.Text.Json;
using Relay.Outbound;

namespace Relay.FunctionalTests;

public sealed class ServiceAccountEndToEndTests : HarnessTest
{
    [Fact]
    public async Task WorkspaceServiceAccount_ImpersonatesTheAccount_WithNoBrowserStep()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Google:ServiceAccountKeyFile"] = WriteKeyFile());

        await relay.SendAsync(Messages.Simple());
        var received = await Harness.Gmail.NextMessageAsync();

        Assert.Equal("relay.account@example.com", Harness.OAuth.LastServiceAccountSubject);
        Assert.Equal("relay.account@example.com", received.AuthUser);
        Assert.StartsWith("service account relay-test@", relay.Tokens.Status.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceAccountWithoutDelegation_HoldsTheQueue_AndSaysWhereToFixIt()
    {
        Harness.OAuth.ServiceAccountDelegated = false;
        await using var relay = await Harness.StartUnauthorizedRelayAsync(s => s["Relay:Google:ServiceAccountKeyFile"] = WriteKeyFile());

        await relay.SendAsync(Messages.Simple());
        var (_, outcome) = await relay.NextOutcomeAsync();

        Assert.Equal(DeliveryResult.NeedsAuthorization, outcome.Result);
        Assert.Contains("Domain-wide delegation", outcome.Reply, StringComparison.Ordinal);
    }

    /// <summary>A service account key as the Google Cloud console gives it, whose token_uri points at the fake.</summary>
    private string WriteKeyFile()
    {
        using var rsa = RSA.Create(2048);
        var path = Path.Combine(Harness.DataPath + "-keys", "service-account.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "relay-test",
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "relay-test@relay-test.iam.gserviceaccount.com",
            ["client_id"] = "100000000000000000001",
            ["token_uri"] = Harness.OAuth.TokenEndpoint,
        }));
        return path;
    }
}
