using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Relay.Spool;
using Relay.Web;

namespace Relay.Cli;

/// <summary>
/// Talks to the admin API of the relay running on this machine (or in this container): its address and login secret
/// come from the configuration the relay reads, through the host's own pipeline (<see cref="RelayApp.Configuration"/>).
/// </summary>
internal sealed class AdminClient(HttpClient http) : IDisposable
{
    public static AdminClient Create(string? url)
    {
        var configuration = Configuration();
        var web = configuration.GetSection(WebOptions.Section).Get<WebOptions>() ?? new WebOptions();
        var relay = configuration.GetSection(RelayOptions.Section).Get<RelayOptions>() ?? new RelayOptions();
        var secret = web.LoginSecret is { Length: > 0 } configured ? configured : ReadSecretFile(LoginSecret.FilePath(relay));
        var http = new HttpClient { BaseAddress = BaseAddress(url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return new AdminClient(http);
    }

    /// <summary>The running relay's web address: <paramref name="url"/>, or the configured web port on this machine.</summary>
    public static Uri BaseAddress(string? url)
    {
        if (url is not null)
        {
            return new Uri(url.EndsWith('/') ? url : url + "/");
        }

        var web = Configuration().GetSection(WebOptions.Section).Get<WebOptions>() ?? new WebOptions();
        return new Uri($"http://{LocalHost(web.Address)}:{web.Port}/");
    }

    private static IConfiguration Configuration() => RelayApp.Configuration([]);

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    public Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    public Task DeleteAsync(string path, CancellationToken cancellationToken) => SendAsync<object>(HttpMethod.Delete, path, null, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: SpoolJson.Options) };
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new AdminException($"No relay answers at {http.BaseAddress} ({ex.Message}). Is it running? Give its web address with --url.");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return default!;
            }

            if (!response.IsSuccessStatusCode)
            {
                var problem = await response.Content.ReadFromJsonAsync<ProblemText>(cancellationToken);
                throw new AdminException(problem?.Detail ?? $"The relay answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            return (await response.Content.ReadFromJsonAsync<T>(SpoolJson.Options, cancellationToken))!;
        }
    }

    private static string ReadSecretFile(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AdminException(
                $"Cannot read the login secret at {path} ({ex.Message}). Run this command where the relay runs (docker compose exec relay relay …), as the same user, or give Relay__Web__LoginSecret.");
        }
    }

    private static string LocalHost(string listenAddress) =>
        IPAddress.TryParse(listenAddress, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)
            ? (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())
            : "127.0.0.1";

    public void Dispose() => http.Dispose();

    private sealed record ProblemText(string? Detail);
}

/// <summary>A failure to report to the person at the terminal, as it is.</summary>
internal sealed class AdminException(string message) : Exception(message);
