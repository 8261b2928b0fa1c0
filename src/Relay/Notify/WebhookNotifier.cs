using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Relay.Notify;

/// <summary>
/// Tells by webhook: each notification as a JSON POST to <see cref="NotifyOptions.WebhookUrl"/>, from a bounded queue
/// that a background loop empties, so that a slow or broken endpoint never holds up anything else. Each POST has
/// <see cref="NotifyOptions.WebhookTimeout"/>; a failure (network, timeout, 408, 429, 5xx) is tried again after
/// 2 s, 4 s, 8 s… up to <see cref="NotifyOptions.WebhookAttempts"/> in all. The URL is never logged (it may hold a token).
/// </summary>
internal sealed class WebhookNotifier(IHttpClientFactory clients, IOptions<NotifyOptions> options, TimeProvider time, ILogger<WebhookNotifier> logger)
    : BackgroundService, INotifier
{
    public const int Capacity = 100;
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(2);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private readonly Channel<Notification> _queue = Channel.CreateBounded<Notification>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.WebhookUrl);

    public Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        if (_queue.Reader.Count >= Capacity)
        {
            NotifyLog.WebhookQueueFull(logger, Capacity);
        }

        _queue.Writer.TryWrite(notification);
        return Task.CompletedTask;
    }

    /// <summary>The host of a webhook URL, the only part of it that is logged.</summary>
    public static string HostOf(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : "(none)";

    /// <summary>What the endpoint receives.</summary>
    internal static WebhookPayload Payload(Notification notification) => new(
        notification.Kind, notification.At, notification.Account, notification.Subject, notification.Text,
        notification.HoldReason, notification.HeldSince, notification.Queued, notification.DeadLetters);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            await foreach (var notification in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await PostAsync(notification, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PostAsync(Notification notification, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var host = HostOf(settings.WebhookUrl);
        var client = clients.CreateClient(NotifyRegistration.WebhookClient);
        var reason = string.Empty;
        for (var attempt = 1; attempt <= settings.WebhookAttempts; attempt++)
        {
            using var timeout = new CancellationTokenSource(settings.WebhookTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                using var response = await client.PostAsJsonAsync(settings.WebhookUrl, Payload(notification), Json, linked.Token);
                if (response.IsSuccessStatusCode)
                {
                    NotifyLog.WebhookSent(logger, notification.Kind, host, attempt);
                    return;
                }

                reason = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                if (!Retryable(response.StatusCode))
                {
                    break;
                }
            }
            catch (HttpRequestException ex)
            {
                reason = ex.Message;
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                reason = $"no answer within {settings.WebhookTimeout} (Relay:Notify:WebhookTimeout)";
            }

            if (attempt < settings.WebhookAttempts)
            {
                NotifyLog.WebhookRetry(logger, notification.Kind, host, attempt, settings.WebhookAttempts, reason);
                await Task.Delay(FirstRetryDelay * Math.Pow(2, attempt - 1), time, stoppingToken);
            }
        }

        NotifyLog.WebhookGivenUp(logger, notification.Kind, host, settings.WebhookAttempts, reason);
    }

    private static bool Retryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}

/// <summary>The JSON body of a webhook POST (camelCase; fields that do not apply are left out).</summary>
internal sealed record WebhookPayload(
    NotificationKind Event,
    DateTimeOffset At,
    string? Account,
    string Subject,
    string Text,
    string? HoldReason,
    DateTimeOffset? HeldSince,
    int? Queued,
    IReadOnlyList<DeadLetterNote>? DeadLetters);
