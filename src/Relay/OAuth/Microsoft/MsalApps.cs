using Microsoft.Identity.Client;
using Relay.Accounts;

namespace Relay.OAuth.Microsoft;

/// <summary>
/// MSAL confidential clients for one account: authority <c>{Relay:Microsoft:Instance}/{tenant}/</c>. MSAL takes only an
/// https authority. Instance discovery is off (it would ask login.microsoftonline.com about the host, which fails for
/// any other, such as a sovereign cloud's or a test's) and so is authority validation; the authority is configuration,
/// not input.
/// </summary>
internal static class MsalApps
{
    public static string Authority(MicrosoftOptions options, Account account) =>
        $"{options.Instance.TrimEnd('/')}/{Uri.EscapeDataString(account.Tenant ?? options.Tenant)}/";

    public static ConfidentialClientApplicationBuilder Builder(MicrosoftOptions options, Account account, string clientId, IMsalHttpClientFactory http) =>
        ConfidentialClientApplicationBuilder.Create(clientId)
            .WithAuthority(Authority(options, account), validateAuthority: false)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(http);

    /// <summary>The first line of an MSAL message (the rest is trace and correlation IDs), for a sentence.</summary>
    public static string Reason(MsalException ex) =>
        $"{ex.ErrorCode}: {ex.Message.Split('\n', 2)[0].Trim()}";

    /// <summary>
    /// A token from <paramref name="acquire"/> (its argument: force a refresh). When the upstream has just refused
    /// <paramref name="rejected"/> and MSAL's cache hands that same token back, one forced refresh gets a new one.
    /// </summary>
    public static async Task<AuthenticationResult> AcquireAsync(Func<bool, Task<AuthenticationResult>> acquire, bool force, string? rejected)
    {
        var result = await acquire(force);
        return rejected is not null && !force && result.AccessToken == rejected ? await acquire(true) : result;
    }

    /// <summary>A token request that failed for a reason a later attempt may not meet (MSAL's answer, or no answer at all).</summary>
    public static TokenRefreshException Failed(string what, Exception ex) => new(ex is MsalException msal
        ? $"{what} failed ({Reason(msal)})."
        : $"{what} failed: Microsoft's token endpoint could not be reached ({ex.Message}).", ex);
}
