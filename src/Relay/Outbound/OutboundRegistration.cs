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
        services.AddHostedService<DeliveryWorker>();
        return services;
    }
}
