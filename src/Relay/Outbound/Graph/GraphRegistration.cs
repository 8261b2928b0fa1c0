using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Relay.Outbound.Graph;

internal static class GraphRegistration
{
    /// <summary>The Microsoft Graph transport: a named HttpClient and the sender (<see cref="GraphTransport"/> uses it for the accounts that ask for it).</summary>
    public static IServiceCollection AddGraph(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(GraphSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // Relay:Outbound:Timeout applies, on the TimeProvider
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllLoggers();
        services.AddSingleton<GraphSender>();
        return services;
    }
}
