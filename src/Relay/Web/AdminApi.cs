using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Spool;

namespace Relay.Web;

/// <summary>
/// The JSON API under <c>/api</c> that the <c>relay</c> commands (and other tools) use. Every call needs
/// <c>Authorization: Bearer &lt;login secret&gt;</c>: the sign-in cookie is not accepted here, so a page on another site
/// cannot drive the API through a signed-in browser (and no anti-forgery token is needed).
/// </summary>
internal static class AdminApi
{
    public static void MapAdminApi(this WebApplication app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(RequireLoginSecret).DisableAntiforgery().RequireRateLimiting(WebSecurity.ApiPolicy);
        api.MapQueueApi();
        api.MapGet("/status", (FileSpool spool, AccountSet accounts) => TypedResults.Ok(RelayStatus.Of(spool, accounts)));
        api.MapPost("/authorize/start", async (HttpContext context, [FromBody] ClientInput? input, AccountSet accounts, IOptions<WebOptions> web, CancellationToken cancellationToken) =>
            Authorizable(accounts, input?.Account) is not { } account ? Unknown(accounts, input?.Account)
            : AccountPages.ClientFor(account, input?.ClientId, input?.ClientSecret) is var (id, secret, entered)
                ? TypedResults.Ok(await account.Flow!.StartAsync(AccountPages.RedirectUri(context, web.Value), id, secret, entered, FlowOwner.AdminApi(input?.Replace == true), cancellationToken))
                : Problem(account.Settings.IsMicrosoft
                    ? "Give the Application (client) ID and a client secret value of the Entra ID app registration (--client-id, --client-secret), or set Relay:Microsoft:ClientId and ClientSecret."
                    : "Give the client ID and secret of the Google OAuth client (--client-id, --client-secret), or set Relay:Google:ClientId and ClientSecret.", 400));
        api.MapPost("/authorize/complete", async ([FromBody] PastedUrl input, AccountSet accounts, CancellationToken cancellationToken) =>
            await AccountPages.CompletePastedAsync(accounts, input.Url, FlowCaller.AdminApi, cancellationToken) is var result && result.Succeeded
                ? Results.Ok(result)
                : Problem(result.Message, 400));
        api.MapGet("/authorize/{state}/wait", async (string state, AccountSet accounts, CancellationToken cancellationToken) =>
            (accounts.ForState(state)?.Flow is { } flow ? await flow.WaitAsync(state, TimeSpan.FromSeconds(25), cancellationToken) : FlowWait.Unknown) switch
            {
                { Known: false } => Problem("This authorization is unknown or has expired. Start again.", 404),
                { Result: { } result } => Results.Ok(result),
                _ => Results.NoContent(),
            });
        api.MapPost("/account/revoke", async (string? account, AccountSet accounts, CancellationToken cancellationToken) =>
        {
            if (Authorizable(accounts, account) is not { } found)
            {
                return Unknown(accounts, account);
            }

            var address = found.Tokens.Account;
            await found.Tokens.RevokeAsync(cancellationToken);
            return Results.Ok(new RevokeResult(ProviderText.Revoked(found.Settings, address)));
        });
    }

    /// <summary>The account named (none: the default), when a person authorizes it; null otherwise.</summary>
    private static Accounts.RelayAccount? Authorizable(AccountSet accounts, string? name) => accounts.Find(name) is { Flow: not null } account ? account : null;

    private static IResult Unknown(AccountSet accounts, string? name) => accounts.Find(name) is { } serviceAccount
        ? Problem(ProviderText.NothingToAuthorize(serviceAccount.Settings), 400)
        : Problem(accounts.NoSuchAccount(name, " with --account"), 404); // the API's client is the relay command

    private static async ValueTask<object?> RequireLoginSecret(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var secret = context.HttpContext.RequestServices.GetRequiredService<LoginSecret>();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !secret.Matches(header["Bearer ".Length..]))
        {
            return Problem("Give the login secret as 'Authorization: Bearer <secret>' (Relay:Web:LoginSecret, or the file web/login-secret in the data folder).", 401);
        }

        return await next(context);
    }

    internal static IResult Problem(string detail, int status) => TypedResults.Problem(detail, statusCode: status);
}
