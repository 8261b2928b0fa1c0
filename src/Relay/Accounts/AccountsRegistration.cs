namespace Relay.Accounts;

internal static class AccountsRegistration
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddRelayOptions<AccountOptions, AccountOptionsValidator>(AccountOptions.Section);
        services.AddRelayOptions<AccountsOptions, AccountsOptionsValidator>(AccountsOptions.Section);
        services.AddRelayOptions<RoutingOptions>(RoutingOptions.Section);
        services.AddSingleton(EffectiveAccounts.Build);
        services.AddSingleton(AccountSet.Create);
        return services;
    }
}
