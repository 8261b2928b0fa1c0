namespace Relay.Inbound;

internal static class InboundRegistration
{
    public static IServiceCollection AddInbound(this IServiceCollection services)
    {
        services.AddRelayOptions<InboundOptions, InboundOptionsValidator>(InboundOptions.Section);
        services.AddSingleton(_ => ContainerNetwork.Detect());
        services.AddSingleton<InboundListenerFactory>();
        services.AddSingleton<SpoolingMessageStore>();
        services.AddSingleton<InboundCounters>();
        services.AddSingleton<InboundDrain>();
        services.AddSingleton<MessageMemory>();
        services.AddSingleton<InboundPolicy>();
        services.AddSingleton<LocalUsers>();
        services.AddSingleton<LocalAuthenticator>();
        services.AddSingleton<ServerCertificate>();
        services.AddHostedService<SmtpListenerService>();
        return services;
    }
}
