using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Relay.Testing;

/// <summary>
/// A webhook endpoint (chat, incident tool) on 127.0.0.1 port 0: records each POST body and answers the statuses it
/// is given, then 200. Its URL holds a secret path segment, as chat webhooks do.
/// </summary>
public sealed class FakeWebhookServer : IAsyncDisposable
{
    public const string SecretSegment = "T0000-SECRET-webhook-token";

    private readonly WebApplication _app;
    private readonly Channel<string> _arrivals = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<int> _answers = new();

    private FakeWebhookServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = string.Empty;

    /// <summary>Every body received, oldest first.</summary>
    public ConcurrentQueue<string> Bodies { get; } = new();

    /// <summary>The statuses of the next answers, in order (then 200).</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    public static async Task<FakeWebhookServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeWebhookServer(app);
        app.MapPost("/hooks/" + SecretSegment, server.ReceiveAsync);
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hooks/" + SecretSegment;
        return server;
    }

    /// <summary>Waits for the next POST body.</summary>
    public async Task<string> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await _arrivals.Reader.ReadAsync(cts.Token);
    }

    /// <summary>The next POST body if one comes within <paramref name="wait"/>, else null.</summary>
    public async Task<string?> TryNextAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            return await _arrivals.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        Bodies.Enqueue(body);
        _arrivals.Writer.TryWrite(body);
        return Results.StatusCode(_answers.TryDequeue(out var status) ? status : 200);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
