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
}
