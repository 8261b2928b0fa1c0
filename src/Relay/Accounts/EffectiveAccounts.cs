using Microsoft.Extensions.Options;
using Relay.OAuth;

namespace Relay.Accounts;

/// <summary>The accounts in effect and the default one, built from <c>Relay:Accounts</c> or, when that list is empty, from today's single-account keys.</summary>
internal sealed record EffectiveAccounts(IReadOnlyList<Account> Accounts, string? DefaultName)
{
    /// <summary>
    /// With <c>Relay:Accounts</c> empty, <c>Relay:Account:*</c> and <c>Relay:Google:*</c> become one SMTP account named
    /// <c>default</c> that takes every message, exactly as before. Otherwise the list, each account without a client of
    /// its own using <c>Relay:Google</c>'s; the default is <c>Relay:Routing:Default</c>, or the only account when there is one.
    /// Call after validation: a network that does not parse is left out here, and the validator reports it.
    /// </summary>
    /// <param name="users">The local logins; one that names an account (<c>Relay:Inbound:Users:N:Account</c>) routes to it.</param>
    public static EffectiveAccounts Build(
        AccountsOptions options, RoutingOptions routing, AccountOptions legacyAccount, GoogleOptions google, IReadOnlyList<Inbound.LocalUserOptions>? users = null, MicrosoftOptions? microsoft = null)
    {
        if (options.Accounts.Count == 0)
        {
            var single = new Account(
                Account.DefaultName, legacyAccount.Address, [.. legacyAccount.Aliases], AccountTransport.Smtp,
                google.ClientId, google.ClientSecret, google.RefreshToken, google.ServiceAccountKeyFile, [], [], []);
            return new EffectiveAccounts([single], Account.DefaultName);
        }

        microsoft ??= new MicrosoftOptions();
        var accounts = options.Accounts.Select(settings =>
        {
            var isMicrosoft = settings.Provider == AccountProvider.Microsoft;
            var (sharedId, sharedSecret) = isMicrosoft ? (microsoft.ClientId, microsoft.ClientSecret) : (google.ClientId, google.ClientSecret);
            return new Account(
                settings.Name,
                settings.Address,
                [.. settings.Aliases],
                settings.Transport,
                Blank(settings.ClientId) ?? sharedId,
                Blank(settings.ClientId) is null ? sharedSecret : settings.ClientSecret,
                Blank(settings.RefreshToken),
                Blank(settings.ServiceAccountKeyFile),
                [.. settings.Users, .. (users ?? []).Where(user => string.Equals(user.Account, settings.Name, StringComparison.OrdinalIgnoreCase)).Select(user => user.Name)],
                [.. settings.Senders],
                Networks(settings.Networks))
            {
                Provider = settings.Provider,
                Tenant = isMicrosoft ? Blank(settings.Tenant) ?? microsoft.Tenant : null,
                AppOnly = settings.AppOnly,
                CertificateFile = Blank(settings.CertificateFile),
                LargeMessagesBySmtp = settings.LargeMessagesBySmtp,
                Quota = settings.Quota,
            };
        }).ToList();
        var defaultName = Blank(routing.Default) ?? (accounts.Count == 1 ? accounts[0].Name : null);
        var match = accounts.FirstOrDefault(account => string.Equals(account.Name, defaultName, StringComparison.OrdinalIgnoreCase));
        return new EffectiveAccounts(accounts, match?.Name);
    }

    public static EffectiveAccounts Build(IServiceProvider services) => Build(
        services.GetRequiredService<IOptions<AccountsOptions>>().Value,
        services.GetRequiredService<IOptions<RoutingOptions>>().Value,
        services.GetRequiredService<IOptions<AccountOptions>>().Value,
        services.GetRequiredService<IOptions<GoogleOptions>>().Value,
        services.GetRequiredService<IOptions<Inbound.InboundOptions>>().Value.Users,
        services.GetRequiredService<IOptions<MicrosoftOptions>>().Value);

    public Account? Find(string name) => Accounts.FirstOrDefault(account => string.Equals(account.Name, name, StringComparison.OrdinalIgnoreCase));

    private static List<System.Net.IPNetwork> Networks(IEnumerable<string> texts)
    {
        var networks = new List<System.Net.IPNetwork>();
        foreach (var text in texts)
        {
            if (NetworkText.TryParse(text, out var network))
            {
                networks.Add(network);
            }
        }

        return networks;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
