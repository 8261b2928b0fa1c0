using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Relay.Testing;

/// <summary>
/// A fake Google OAuth server, a fake Gmail and a data folder; relays started from it talk only to those fakes on
/// 127.0.0.1 and listen on ports the OS picks. Several relays may be started one after the other on the same data.
/// </summary>
internal sealed class RelayHarness : IAsyncDisposable
{
    /// <summary>The account the relays are configured to send as; the fake Google's refresh token belongs to it.</summary>
    public const string Account = FakeGoogleOAuthServer.DefaultAccount;

    private RelayHarness(FakeGoogleOAuthServer oauth, FakeGmailServer gmail, string dataPath, TimeProvider? time)
    {
        OAuth = oauth;
        Gmail = gmail;
        DataPath = dataPath;
        Time = time;
    }

    public FakeGoogleOAuthServer OAuth { get; }
    public FakeGmailServer Gmail { get; }
    public string DataPath { get; }
    public TimeProvider? Time { get; }

    public static async Task<RelayHarness> StartAsync(TimeProvider? time = null)
    {
        var oauth = await FakeGoogleOAuthServer.StartAsync(time);
        var gmail = new FakeGmailServer(TestCertificates.Server, oauth.IsValidFor); // a token logs in only as the account it was issued for
        var data = Directory.CreateTempSubdirectory("relay-test-data-").FullName;
        return new RelayHarness(oauth, gmail, data, time);
    }

    /// <summary>The settings of a relay wired to the fakes; tests change what they need.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Relay:DataPath"] = DataPath,
        ["Relay:Secrets:KeyFile"] = Path.Combine(DataPath + "-keys", "relay.key"),
        ["Relay:Inbound:Address"] = "127.0.0.1",
        ["Relay:Inbound:Port"] = "0",
        ["Relay:Web:Address"] = "127.0.0.1",
        ["Relay:Web:Port"] = "0",
        ["Relay:Outbound:Host"] = "localhost",
        ["Relay:Outbound:Port"] = Gmail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Relay:Outbound:TrustedCaFile"] = TestCertificates.CaPemFile,
        ["Relay:Outbound:Timeout"] = "00:00:20",
        ["Relay:Outbound:RetryInitialDelay"] = "00:00:00.200",
        ["Relay:Outbound:RetryMaxDelay"] = "00:00:00.500",
        ["Relay:Account:Address"] = Account,
        ["Relay:Google:ClientId"] = FakeGoogleOAuthServer.ClientId,
        ["Relay:Google:ClientSecret"] = FakeGoogleOAuthServer.ClientSecret,
        ["Relay:Google:RefreshToken"] = FakeGoogleOAuthServer.RefreshToken,
        ["Relay:Google:TokenEndpoint"] = OAuth.TokenEndpoint,
        ["Relay:Google:AuthorizationEndpoint"] = OAuth.AuthorizationEndpoint,
        ["Relay:Google:RevocationEndpoint"] = OAuth.RevocationEndpoint,
        ["Serilog:MinimumLevel:Default"] = "Debug",
        ["Serilog:WriteTo:0:Args:restrictedToMinimumLevel"] = "Warning",
    };

    /// <summary>A relay with no account yet (no refresh token in its configuration): to be authorized on its page.</summary>
    public Task<RelayInstance> StartUnauthorizedRelayAsync(Action<Dictionary<string, string?>>? change = null) => StartRelayAsync(settings =>
    {
        settings.Remove("Relay:Google:RefreshToken");
        change?.Invoke(settings);
    });

    /// <param name="services">Replaces services of the relay (a fake of what the machine would tell, say).</param>
    public async Task<RelayInstance> StartRelayAsync(Action<Dictionary<string, string?>>? change = null, Action<IServiceCollection>? services = null)
    {
        var settings = Settings();
        change?.Invoke(settings);
        var logs = new LogCapture();
        var app = RelayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.AddProvider(logs);
            if (Time is not null)
            {
                builder.Services.Replace(ServiceDescriptor.Singleton(Time));
            }

            services?.Invoke(builder.Services);
        });
        var instance = new RelayInstance(app, logs);
        try
        {
            await app.StartAsync();
            await instance.InitializeAsync();
            return instance;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gmail.DisposeAsync();
        await OAuth.DisposeAsync();
        foreach (var folder in new[] { DataPath, DataPath + "-keys" })
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }
}
