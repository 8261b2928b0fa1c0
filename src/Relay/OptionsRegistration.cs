using Microsoft.Extensions.Options;

namespace Relay;

internal static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts: values
    /// that cannot be converted (see <see cref="OptionsBinding{TOptions}"/>) and <typeparamref name="TValidator"/>'s rules.
    /// </summary>
    public static IServiceCollection AddRelayOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddRelayOptions<TOptions>(section);
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>; a value that cannot be converted stops the start.</summary>
    public static IServiceCollection AddRelayOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddOptions<TOptions>().ValidateOnStart();
        services.AddSingleton(provider => new OptionsBinding<TOptions>(provider.GetRequiredService<IConfiguration>(), section));
        services.AddSingleton<IConfigureOptions<TOptions>>(provider => provider.GetRequiredService<OptionsBinding<TOptions>>());
        services.AddSingleton<IValidateOptions<TOptions>>(provider => provider.GetRequiredService<OptionsBinding<TOptions>>());
        return services;
    }
}
