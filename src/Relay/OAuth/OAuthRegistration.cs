namespace Relay.OAuth;

internal static class OAuthRegistration
{
    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.AddRelayOptions<GoogleOptions, GoogleOptionsValidator>(GoogleOptions.Section);
        services.AddSingleton<IAccessTokenSource, GoogleAccessTokenSource>();
        return services;
    }
}
