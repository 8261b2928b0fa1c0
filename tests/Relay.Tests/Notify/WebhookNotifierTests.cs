using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Notify;
using Relay.Testing;

namespace Relay.Tests.Notify;

public sealed class WebhookNotifierTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _logs = new();
    private FakeWebhookServer _server = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeWebhookServer.StartAsync();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        services.AddHttpClient(NotifyRegistration.WebhookClient).RemoveAllLoggers();
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task FailedPosts_AreTriedAgainWithBackoff_UntilTheEndpointTakesOne()
    {
        _server.AnswerNext(503, 500);
        using var notifier = Notifier(attempts: 4);
        await notifier.StartAsync(CancellationToken.None);

        var handedOver = notifier.SendAsync(Held(), CancellationToken.None);
        Assert.True(handedOver.IsCompletedSuccessfully); // queued: never waits for the endpoint

        var bodies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            bodies.Add(await NextAdvancingAsync());
        }

        await _logs.WaitForAsync(line => line.Contains("[8008]", StringComparison.Ordinal) && line.Contains("attempt 3", StringComparison.Ordinal));
        Assert.Equal(3, _server.Bodies.Count);
        Assert.All(bodies, body => Assert.Equal(bodies[0], body));
        Assert.Equal(2, _logs.Lines.Count(line => line.Contains("[8007]", StringComparison.Ordinal)));
        Assert.DoesNotContain(FakeWebhookServer.SecretSegment, _logs.All, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(bodies[0]);
        Assert.Equal("held", json.RootElement.GetProperty("event").GetString());
        Assert.Equal("quota", json.RootElement.GetProperty("holdReason").GetString());
        Assert.Equal("relay.account@example.com", json.RootElement.GetProperty("account").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("queued").GetInt32());
        Assert.False(json.RootElement.TryGetProperty("deadLetters", out _)); // fields that do not apply are left out
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AnEndpointThatKeepsFailing_IsGivenUpAfterTheAttempts_WithoutTheUrlInTheLog()
    {
        _server.AnswerNext(500, 500, 500, 500);
        using var notifier = Notifier(attempts: 2);
        await notifier.StartAsync(CancellationToken.None);

        await notifier.SendAsync(Held(), CancellationToken.None);
        await NextAdvancingAsync();
        await NextAdvancingAsync();

        var givenUp = await _logs.WaitForAsync(line => line.Contains("[8009]", StringComparison.Ordinal));
        Assert.Contains("HTTP 500", givenUp, StringComparison.Ordinal);
        Assert.Equal(2, _server.Bodies.Count);
        Assert.DoesNotContain(FakeWebhookServer.SecretSegment, _logs.All, StringComparison.Ordinal);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AClientError_IsNotTriedAgain()
    {
        _server.AnswerNext(404);
        using var notifier = Notifier(attempts: 4);
        await notifier.StartAsync(CancellationToken.None);

        await notifier.SendAsync(Held(), CancellationToken.None);
        await _server.NextAsync();

        var givenUp = await _logs.WaitForAsync(line => line.Contains("[8009]", StringComparison.Ordinal));
        Assert.Contains("HTTP 404", givenUp, StringComparison.Ordinal);
        Assert.Single(_server.Bodies);
        await notifier.StopAsync(CancellationToken.None);
    }

    private WebhookNotifier Notifier(int attempts) => new(
        _services.GetRequiredService<IHttpClientFactory>(),
        Options.Create(new NotifyOptions { WebhookUrl = _server.Url, WebhookAttempts = attempts }),
        _clock,
        _services.GetRequiredService<ILogger<WebhookNotifier>>());

    private Notification Held() => new(NotificationKind.Held, _clock.GetUtcNow(), "relay.account@example.com", "Relay: delivery held for 31 minutes", "Held.")
    {
        HoldReason = "quota",
        HeldSince = _clock.GetUtcNow().AddMinutes(-31),
        Queued = 3,
    };

    /// <summary>The next POST, moving the fake clock on by a second whenever nothing arrives for a moment (the backoff waits on it).</summary>
    private async Task<string> NextAdvancingAsync()
    {
        for (var i = 0; i < 300; i++)
        {
            if (await _server.TryNextAsync(TimeSpan.FromMilliseconds(100)) is { } body)
            {
                return body;
            }

            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException("No webhook POST arrived.");
    }
}
