namespace Relay.Spool;

internal static class SpoolRegistration
{
    public static IServiceCollection AddSpool(this IServiceCollection services)
    {
        services.AddRelayOptions<SpoolOptions>(SpoolOptions.Section);
        services.AddSingleton<FileSpool>();
        return services;
    }
}
