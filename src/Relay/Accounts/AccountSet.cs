using Microsoft.Extensions.Options;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Accounts;

/// <summary>
/// Every account of the relay (<see cref="EffectiveAccounts"/>), each with its own token source, flow, hold and quota,
/// made once at start; and the routing that picks one for a message. The one place that knows which accounts exist.
/// </summary>
internal sealed class AccountSet
{
    public AccountSet(IReadOnlyList<RelayAccount> all, string? defaultName)
    {
        All = all;
        Router = new AccountRouter(new EffectiveAccounts([.. all.Select(account => account.Settings)], defaultName));
        Default = defaultName is null ? null : Find(defaultName);
        RoutesBySender = all.Any(account => account.Settings.Senders.Count > 0);
    }

    /// <summary>Every account of the configuration with its token source (and flow), hold and quota.</summary>
    public static AccountSet Create(IServiceProvider services)
    {
        var effective = services.GetRequiredService<EffectiveAccounts>();
        var dataPath = services.GetRequiredService<IOptions<RelayOptions>>().Value.DataPath;
        var google = services.GetRequiredService<IOptions<GoogleOptions>>();
        var quota = services.GetRequiredService<IOptions<QuotaOptions>>();
        var box = services.GetRequiredService<SecretBox>();
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        return new AccountSet([.. effective.Accounts.Select(settings =>
        {
            IAccessTokenSource tokens;
            IAccessTokenSource? smtpTokens = null;
            AuthorizationFlow? flow = null;
            if (settings.IsMicrosoft)
            {
                (tokens, smtpTokens, flow) = MicrosoftSources(services, settings, dataPath);
            }
            else if (settings.ServiceAccountKeyFile is { Length: > 0 })
            {
                tokens = new ServiceAccountTokenSource(settings, time, loggers.CreateLogger<ServiceAccountTokenSource>());
            }
            else
            {
                var store = new TokenStore(TokenStore.PathIn(dataPath, settings.Name), box, loggers.CreateLogger<TokenStore>());
                var userTokens = new GoogleAccessTokenSource(settings, google.Value, store, time, loggers.CreateLogger<GoogleAccessTokenSource>());
                flow = new AuthorizationFlow(new GoogleAuthorization(google.Value, userTokens, time), time, loggers.CreateLogger<AuthorizationFlow>());
                tokens = userTokens;
            }

            var gate = ActivatorUtilities.CreateInstance<DeliveryGate>(services);
            var guard = new QuotaGuard(Options.Create(QuotaOptions.For(settings, quota.Value)), QuotaGuard.PathIn(dataPath, settings.Name), time, () => tokens.Account, settings.Provider);
            return new RelayAccount(settings, tokens, flow, gate, guard, smtpTokens);
        })], effective.DefaultName);
    }

    /// <summary>
    /// A Microsoft account's token source (app-only: client credentials; else MSAL with a person's authorization and its
    /// flow) and, for a Graph account whose large messages go by SMTP, the source of its SMTP tokens.
    /// </summary>
    private static (IAccessTokenSource Tokens, IAccessTokenSource? SmtpTokens, AuthorizationFlow? Flow) MicrosoftSources(IServiceProvider services, Account settings, string dataPath)
    {
        var microsoft = services.GetRequiredService<IOptions<MicrosoftOptions>>().Value;
        var http = services.GetRequiredService<OAuth.Microsoft.MsalHttpClientFactory>();
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var bySmtp = settings is { Transport: AccountTransport.Graph, LargeMessagesBySmtp: true };
        if (settings.AppOnly)
        {
            var app = new OAuth.Microsoft.MicrosoftAppOnlyTokenSource(
                settings, OAuth.Microsoft.MicrosoftScopes.AppOnly(settings.Transport), microsoft, http, time, loggers.CreateLogger<OAuth.Microsoft.MicrosoftAppOnlyTokenSource>());
            return (app, bySmtp ? app.ForScope(OAuth.Microsoft.MicrosoftScopes.SmtpApp) : null, null);
        }

        var store = new TokenStore(TokenStore.PathIn(dataPath, settings.Name), services.GetRequiredService<SecretBox>(), loggers.CreateLogger<TokenStore>());
        var signIn = new OAuth.Microsoft.MicrosoftSignIn(settings, microsoft, store, http, time, loggers.CreateLogger<OAuth.Microsoft.MicrosoftSignIn>());
        return (new OAuth.Microsoft.MicrosoftAccessTokenSource(signIn, OAuth.Microsoft.MicrosoftScopes.Delegated(settings.Transport)),
            bySmtp ? new OAuth.Microsoft.MicrosoftAccessTokenSource(signIn, OAuth.Microsoft.MicrosoftScopes.SmtpSend) : null,
            new AuthorizationFlow(new OAuth.Microsoft.MicrosoftAuthorization(signIn, time), time, loggers.CreateLogger<AuthorizationFlow>()));
    }

    public IReadOnlyList<RelayAccount> All { get; }

    /// <summary>The account that takes a message no rule routes (and the entries written before several accounts); null when none does.</summary>
    public RelayAccount? Default { get; }

    public AccountRouter Router { get; }

    /// <summary>True when more than the single-account configuration is in effect (the pages and commands then name accounts).</summary>
    public bool Several => All.Count > 1 || !All[0].Settings.IsDefaultName;

    /// <summary>Whether any account routes by the original sender: the header From, known only at the end of DATA, may then route a message.</summary>
    public bool RoutesBySender { get; }

    /// <summary>
    /// The account the relay's own e-mail (Relay:Notify) goes out as: the default, or else the first, unless it cannot
    /// send now (no usable token, or held) while another can; a notice about a held account must not wait behind that hold.
    /// </summary>
    public RelayAccount ForNotices
    {
        get
        {
            var first = Default ?? All[0];
            return CanSend(first) ? first : All.FirstOrDefault(CanSend) ?? first;

            static bool CanSend(RelayAccount account) => account.Tokens.Status.Usable && account.Gate.State.Reason == Outbound.HoldReason.None;
        }
    }

    /// <summary>
    /// Ends the hold of the account named <paramref name="name"/>, or of every account when null (an operator's Release);
    /// returns the accounts released, or null when no account has that name.
    /// </summary>
    public IReadOnlyList<RelayAccount>? Release(string? name)
    {
        IReadOnlyList<RelayAccount>? released = name is null ? All : Find(name) is { } found ? [found] : null;
        foreach (var account in released ?? [])
        {
            account.Gate.Open();
        }

        return released;
    }

    public RelayAccount? Find(string? name) =>
        string.IsNullOrEmpty(name) ? Default : All.FirstOrDefault(account => string.Equals(account.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The account a spooled message goes out as; null when it names one that is no longer configured.</summary>
    public RelayAccount? For(SpoolEntry entry) => Find(entry.Account);

    /// <summary>
    /// Why <paramref name="name"/> names no account (null: there is no default account to fall back on), with the
    /// accounts there are: the one sentence of the pages, the admin API and the commands. <paramref name="naming"/>: how
    /// the reader names one (" with --account").
    /// </summary>
    public string NoSuchAccount(string? name, string naming = "") => name is null
        ? $"There is no default account (Relay:Routing:Default): name one of the accounts{naming} ({string.Join(", ", All.Select(a => a.Name))})."
        : $"There is no account named '{name}' in Relay:Accounts ({string.Join(", ", All.Select(a => a.Name))}).";

    /// <summary>The spool keys whose entries <paramref name="account"/> delivers: its name, and "" (entries that name none) for the default.</summary>
    public IReadOnlyList<string> SpoolKeys(RelayAccount account) => ReferenceEquals(account, Default) ? [account.Name, ""] : [account.Name];

    /// <summary>The account whose flow issued <paramref name="state"/>, if any.</summary>
    public RelayAccount? ForState(string? state) =>
        string.IsNullOrEmpty(state) ? null : All.FirstOrDefault(account => account.Flow?.Knows(state) == true);

    /// <summary>Reads each account's token store or key, and its quota counters (<see cref="StartupSequence"/>).</summary>
    public void Load()
    {
        foreach (var account in All)
        {
            account.Quota.Load();
            account.Tokens.Load();
            account.SmtpTokens?.Load();
        }
    }
}
