namespace Relay.OAuth;

internal static class OAuthRegistration
{
    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.AddRelayOptions<GoogleOptions, GoogleOptionsValidator>(GoogleOptions.Section);
        services.AddRelayOptions<MicrosoftOptions, MicrosoftOptionsValidator>(MicrosoftOptions.Section);
        services.AddRelayOptions<SecretsOptions, SecretsOptionsValidator>(SecretsOptions.Section);
        services.AddSingleton<SecretBox>();
        services.AddSingleton<Microsoft.MsalHttpClientFactory>();
        services.AddHostedService<TokenHealth>(); // token sources and flows are per account: Accounts.AccountSet
        return services;
    }
}
