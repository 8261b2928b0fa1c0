using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Relay.Testing;

namespace Relay.Benchmarks;

internal static class FakeGoogleToken
{
    /// <summary>An access token from the fake Google, by the refresh-token grant, as the relay gets its own.</summary>
    public static async Task<string> AccessTokenAsync(FakeGoogleOAuthServer oauth, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = FakeGoogleOAuthServer.ClientId,
            ["client_secret"] = FakeGoogleOAuthServer.ClientSecret,
            ["refresh_token"] = FakeGoogleOAuthServer.RefreshToken,
        });
        using var response = await http.PostAsync(oauth.TokenEndpoint, form, cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
        return token?.AccessToken ?? throw new InvalidOperationException("The fake Google answered without an access_token.");
    }

    private sealed record TokenResponse([property: JsonPropertyName("access_token")] string? AccessToken);
}
