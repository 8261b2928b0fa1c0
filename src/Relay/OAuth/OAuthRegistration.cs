namespace Relay.OAuth;

internal static class OAuthRegistration
{
    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.AddRelayOptions<GoogleOptions, GoogleOptionsValidator>(GoogleOptions.Section);
        services.AddRelayOptions<SecretsOptions, SecretsOptionsValidator>(SecretsOptions.Section);
        services.AddSingleton<SecretBox>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<GoogleAccessTokenSource>();
        services.AddSingleton<IAccessTokenSource>(sp =>
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<GoogleOptions>>().Value.ServiceAccountKeyFile is { Length: > 0 }
                ? ActivatorUtilities.CreateInstance<ServiceAccountTokenSource>(sp)
                : sp.GetRequiredService<GoogleAccessTokenSource>());
        services.AddSingleton<AuthorizationFlow>();
        services.AddHostedService<TokenHealth>();
        return services;
    }
}
