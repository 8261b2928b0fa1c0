using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Relay.Outbound.GmailApi;

internal static class GmailApiRegistration
{
    /// <summary>The Gmail API transport: its options, a named HttpClient and the sender (<see cref="GmailApiTransport"/> uses it for the accounts that ask for it).</summary>
    public static IServiceCollection AddGmailApi(this IServiceCollection services)
    {
        services.AddRelayOptions<GmailApiOptions, GmailApiOptionsValidator>(GmailApiOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(GmailApiSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // GmailApiOptions.Timeout applies, on the TimeProvider
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            // The default request logs carry the URL, and a resumable session URL is a capability: whoever has it can upload to the session.
            .RemoveAllLoggers();
        services.AddSingleton<GmailApiSender>();
        return services;
    }
}
