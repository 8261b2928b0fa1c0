namespace Relay.Outbound;

internal static class OutboundRegistration
{
    public static IServiceCollection AddOutbound(this IServiceCollection services)
    {
        services.AddRelayOptions<OutboundOptions, OutboundOptionsValidator>(OutboundOptions.Section);
        services.AddSingleton<UpstreamCertificateValidator>();
        services.AddSingleton<RetrySchedule>();
        services.AddSingleton<DeliveryEvents>();
        services.AddSingleton<DeliveryGate>();
        services.AddRelayOptions<QuotaOptions, QuotaOptionsValidator>(QuotaOptions.Section);
        services.AddSingleton<QuotaGuard>();
        services.AddSingleton<DeliveryAttempt>();
        services.AddSingleton<OutcomeRecorder>();
        services.AddHostedService<DeliveryWorker>();
        return services;
    }
}
