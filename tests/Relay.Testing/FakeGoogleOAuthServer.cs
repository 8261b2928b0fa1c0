using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Relay.Testing;

/// <summary>
/// Google's token endpoint, faked on 127.0.0.1 port 0: refresh-token grants give access tokens that expire on the given
/// clock; the fake Gmail asks <see cref="IsValid"/> whether a token may log in.
/// </summary>
public sealed class FakeGoogleOAuthServer : IAsyncDisposable
{
    public const string ClientId = "test-client.apps.googleusercontent.com";
    public const string ClientSecret = "GOCSPX-test-client-secret";
    public const string RefreshToken = "1//test-refresh-token-SECRET";

    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _accessTokens = new();
    private int _issued;

    private FakeGoogleOAuthServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
    }

    public string BaseUrl { get; private set; } = string.Empty;
    public string TokenEndpoint => BaseUrl + "/token";

    /// <summary>Lifetime of the access tokens it issues.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>When true, refresh grants fail with invalid_grant, as for a revoked or expired refresh token.</summary>
    public bool RefreshTokenRevoked { get; set; }

    /// <summary>How many of the next issued tokens Gmail will refuse (a token Google issued but Gmail does not take).</summary>
    public int UnusableTokensToIssue { get; set; }

    public int RefreshCount => Volatile.Read(ref _issued);

    public ConcurrentQueue<string> Issued { get; } = new();

    public static async Task<FakeGoogleOAuthServer> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeGoogleOAuthServer(app, time ?? TimeProvider.System);
        app.MapPost("/token", server.TokenAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public bool IsValid(string token) => _accessTokens.TryGetValue(token, out var expiresAt) && _time.GetUtcNow() < expiresAt;

    /// <summary>Makes a token unusable before its time, as Gmail does for a token it no longer accepts.</summary>
    public void Invalidate(string token) => _accessTokens.TryRemove(token, out _);

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
        {
            return Results.Json(new { error = "invalid_client", error_description = "The OAuth client was not found." }, statusCode: 401);
        }

        if (form["grant_type"] != "refresh_token")
        {
            return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
        }

        if (RefreshTokenRevoked || form["refresh_token"] != RefreshToken)
        {
            return Results.Json(new { error = "invalid_grant", error_description = "Token has been expired or revoked." }, statusCode: 400);
        }

        var number = Interlocked.Increment(ref _issued);
        var token = $"ya29.fake-access-{number}-{Guid.NewGuid():N}";
        if (UnusableTokensToIssue > 0)
        {
            UnusableTokensToIssue--;
        }
        else
        {
            _accessTokens[token] = _time.GetUtcNow() + AccessTokenLifetime;
        }

        Issued.Enqueue(token);
        return Results.Json(new
        {
            access_token = token,
            expires_in = (long)AccessTokenLifetime.TotalSeconds,
            scope = "https://mail.google.com/",
            token_type = "Bearer",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
