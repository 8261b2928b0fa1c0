using Relay.Outbound.GmailApi;
using Relay.Outbound.Graph;

namespace Relay.Outbound;

internal static class OutboundRegistration
{
    public static IServiceCollection AddOutbound(this IServiceCollection services)
    {
        services.AddRelayOptions<OutboundOptions, OutboundOptionsValidator>(OutboundOptions.Section);
        services.AddSingleton<UpstreamCertificateValidator>();
        services.AddSingleton<RetrySchedule>();
        services.AddSingleton<DeliveryEvents>();
        services.AddRelayOptions<QuotaOptions, QuotaOptionsValidator>(QuotaOptions.Section);
        services.AddGmailApi();
        services.AddGraph();
        services.AddSingleton<OutcomeRecorder>();
        services.AddHostedService<DeliveryWorker>();
        return services;
    }
}
