using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Relay.OAuth;
using Relay.Outbound;
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
        api.MapGet("/status", (IAccessTokenSource tokens, FileSpool spool, DeliveryGate gate) =>
            TypedResults.Ok(new RelayStatus(tokens.Status, spool.Count, spool.DeadCount, gate.State)));
        api.MapPost("/authorize/start", (HttpContext context, [FromBody] ClientInput? input, GoogleAccessTokenSource tokens, AuthorizationFlow flow, IOptions<WebOptions> web) =>
            AccountPages.ClientFor(tokens, input?.ClientId, input?.ClientSecret) is var (id, secret, entered)
                ? TypedResults.Ok(flow.Start(AccountPages.RedirectUri(context, web.Value), id, secret, entered, FlowOwner.AdminApi(input?.Replace == true)))
                : Problem("Give the client ID and secret of the Google OAuth client (--client-id, --client-secret), or set Relay:Google:ClientId and ClientSecret.", 400));
        api.MapPost("/authorize/complete", async ([FromBody] PastedUrl input, AuthorizationFlow flow, CancellationToken cancellationToken) =>
            await flow.CompleteFromPastedAsync(input.Url, FlowCaller.AdminApi, cancellationToken) is var result && result.Succeeded
                ? Results.Ok(result)
                : Problem(result.Message, 400));
        api.MapGet("/authorize/{state}/wait", async (string state, AuthorizationFlow flow, CancellationToken cancellationToken) =>
            await flow.WaitAsync(state, TimeSpan.FromSeconds(25), cancellationToken) switch
            {
                { Known: false } => Problem("This authorization is unknown or has expired. Start again.", 404),
                { Result: { } result } => Results.Ok(result),
                _ => Results.NoContent(),
            });
        api.MapPost("/account/revoke", async (GoogleAccessTokenSource tokens, CancellationToken cancellationToken) =>
        {
            await tokens.RevokeAsync(cancellationToken);
            return Results.NoContent();
        });
    }

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
