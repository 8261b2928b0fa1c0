namespace Relay.Rewrite;

internal static class RewriteRegistration
{
    public static IServiceCollection AddRewrite(this IServiceCollection services)
    {
        services.AddRelayOptions<RewriteOptions>(RewriteOptions.Section);
        return services;
    }
}
