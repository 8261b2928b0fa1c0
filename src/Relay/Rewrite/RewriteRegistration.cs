namespace Relay.Rewrite;

internal static class RewriteRegistration
{
    public static IServiceCollection AddRewrite(this IServiceCollection services)
    {
        services.AddRelayOptions<AccountOptions, AccountOptionsValidator>(AccountOptions.Section);
        services.AddRelayOptions<RewriteOptions>(RewriteOptions.Section);
        return services;
    }
}
