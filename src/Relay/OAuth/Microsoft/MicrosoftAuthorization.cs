using System.Security.Claims;
using Microsoft.Identity.Client;
using Relay.Accounts;

namespace Relay.OAuth.Microsoft;

/// <summary>
/// Microsoft's half of the authorization flow, through MSAL: the consent address (<c>GetAuthorizationRequestUrl</c>
/// with PKCE, the relay's own <c>state</c>, the transport's scope, and SMTP.Send too for a Graph account whose large
/// messages go by SMTP), the code exchange (<c>AcquireTokenByAuthorizationCode</c> with the PKCE verifier) into a token
/// cache of its own, kept in the authorization. The mailbox is the ID token's <c>preferred_username</c> (else
/// <c>email</c>, <c>upn</c>).
/// </summary>
internal sealed class MicrosoftAuthorization(MicrosoftSignIn signIn, TimeProvider time) : IAuthorizationProvider
{
    private readonly string _scope = MicrosoftScopes.Delegated(signIn.Settings.Transport);

    public string Name => "Microsoft";

    public Account Settings => signIn.Settings;

    public string? Account => signIn.Account;

    public (string? ClientId, string? ClientSecret) Client => signIn.Client;

    public string RevokedWords => $"forgotten by the relay ({MicrosoftWords.RemoveConsent})";

    public async Task<(string Url, string CodeVerifier)> AuthorizationUrlAsync(string redirectUri, string clientId, string clientSecret, string state, CancellationToken cancellationToken)
    {
        var request = signIn.NewClient(clientId, clientSecret, redirectUri)
            .GetAuthorizationRequestUrl([_scope])
            .WithRedirectUri(redirectUri)
            .WithPkce(out var codeVerifier)
            .WithExtraScopesToConsent(MicrosoftScopes.AlsoConsented(Settings))
            .WithPrompt(Prompt.SelectAccount)
            .WithExtraQueryParameters(new Dictionary<string, (string, bool)> { ["state"] = (state, false) });
        if (Settings.Address is { Length: > 0 } address)
        {
            request = request.WithLoginHint(address);
        }

        return ((await request.ExecuteAsync(cancellationToken)).AbsoluteUri, codeVerifier);
    }

    public string DescribeError(IReadOnlyDictionary<string, string> query)
    {
        var error = query.GetValueOrDefault("error");
        var description = query.GetValueOrDefault("error_description") is { Length: > 0 } text ? text.Split('\n', 2)[0].Trim() : null;
        return error switch
        {
            "access_denied" when description?.Contains("AADSTS65004", StringComparison.Ordinal) != false =>
                "Microsoft reports that access was denied: you clicked Cancel (or No) on the consent page. Start again and accept.",
            "access_denied" or "consent_required" or "interaction_required" =>
                $"Microsoft reports that the consent could not be given ({description ?? error}). If your organisation lets only administrators consent to apps, " +
                "an administrator grants it: Entra ID → App registrations → the app → API permissions → Grant admin consent. Then authorize again.",
            _ => $"Microsoft reports an error: {error}{(description is null ? "" : $" ({description})")}. Start again; if it persists, check the app registration in " +
                 "Entra ID (Authentication: a Web platform whose redirect URI is exactly the relay's; API permissions).",
        };
    }

    public async Task<CodeExchange> ExchangeAsync(CodeRequest request, CancellationToken cancellationToken)
    {
        var client = signIn.NewClient(request.ClientId, request.ClientSecret, request.RedirectUri);
        byte[]? cache = null;
        client.UserTokenCache.SetAfterAccess(args =>
        {
            if (args.HasStateChanged)
            {
                cache = args.TokenCache.SerializeMsalV3();
            }
        });
        AuthenticationResult result;
        try
        {
            result = await client.AcquireTokenByAuthorizationCode([_scope], request.Code).WithPkceCodeVerifier(request.CodeVerifier).ExecuteAsync(cancellationToken);
        }
        catch (MsalServiceException ex)
        {
            return CodeExchange.Failed(ex.ErrorCode switch
            {
                "invalid_grant" => $"Microsoft refused the authorization code ({MsalApps.Reason(ex)}). A code expires within minutes and works once: start again.",
                "invalid_client" or "unauthorized_client" =>
                    $"Microsoft refused the Application (client) ID or the client secret ({MsalApps.Reason(ex)}). Copy the client secret's Value (not its Secret ID) again " +
                    "from Entra ID → App registrations → Certificates & secrets (an expired secret must be replaced by a new one), and check that the app is a Web platform app.",
                _ => $"Microsoft refused the exchange ({MsalApps.Reason(ex)}).",
            });
        }
        catch (Exception ex) when (ex is MsalException or HttpRequestException)
        {
            return CodeExchange.Failed($"Microsoft's token endpoint could not be used ({(ex is MsalException msal ? MsalApps.Reason(msal) : ex.Message)}). Check the relay's network access and start again.");
        }

        if (Mailbox(result.ClaimsPrincipal, Settings.Address) is not { } mailbox)
        {
            return CodeExchange.Failed("Microsoft did not say which mailbox consented (no preferred_username, email or upn in the ID token). Authorize again; the openid and profile permissions must stay on.");
        }

        if (!result.Scopes.Contains(_scope, StringComparer.OrdinalIgnoreCase))
        {
            return CodeExchange.Failed($"The permission {_scope} was not granted. Add it to the app registration (API permissions → Add a permission → delegated), grant consent, then authorize again.");
        }

        return new CodeExchange(new StoredAuthorization
        {
            Account = mailbox,
            ClientId = request.ClientId,
            ClientSecret = request.KeepSecret ? request.ClientSecret : null,
            TokenCache = cache,
            HomeAccountId = result.Account?.HomeAccountId?.Identifier,
            AuthorizedAt = time.GetUtcNow(),
        }, null);
    }

    public Task<StoredAuthorization?> ReplaceAsync(StoredAuthorization authorization, CancellationToken cancellationToken) =>
        signIn.ReplaceAsync(authorization, cancellationToken);

    public Task<bool?> RevokeAsync(StoredAuthorization authorization, CancellationToken cancellationToken) => Task.FromResult<bool?>(null);

    /// <summary>
    /// The mailbox the ID token names. Where a tenant's sign-in name (UPN, <c>preferred_username</c>) differs from the
    /// mailbox's address, the configured <paramref name="expected"/> address is taken when any of the token's names is
    /// it; otherwise <c>email</c> (the mailbox's address, when the token has it), else <c>preferred_username</c>, else <c>upn</c>.
    /// </summary>
    internal static string? Mailbox(ClaimsPrincipal? principal, string? expected = null)
    {
        var names = new[] { "email", "preferred_username", "upn" }
            .Select(type => principal?.FindFirst(type)?.Value)
            .Where(value => value is { Length: > 0 } && value.Contains('@', StringComparison.Ordinal))
            .ToList();
        return names.FirstOrDefault(name => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase)) ?? names.FirstOrDefault();
    }
}
