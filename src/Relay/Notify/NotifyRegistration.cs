namespace Relay.Notify;

internal static class NotifyRegistration
{
    public const string WebhookClient = "Relay.Notify.Webhook";

    public static IServiceCollection AddNotify(this IServiceCollection services)
    {
        services.AddRelayOptions<NotifyOptions, NotifyOptionsValidator>(NotifyOptions.Section);

        // No request logging: a webhook URL often holds its secret in the path (chat webhooks), and the factory's
        // handlers would log it.
        services.AddHttpClient(WebhookClient).RemoveAllLoggers();
        services.AddSingleton<MailNotifier>();
        services.AddSingleton<WebhookNotifier>();
        services.AddSingleton<INotifier>(provider => provider.GetRequiredService<MailNotifier>());
        services.AddSingleton<INotifier>(provider => provider.GetRequiredService<WebhookNotifier>());
        services.AddHostedService(provider => provider.GetRequiredService<WebhookNotifier>());
        services.AddSingleton<NotifyWatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<NotifyWatcher>());
        return services;
    }
}
