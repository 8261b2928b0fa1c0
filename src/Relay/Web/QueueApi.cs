using MimeKit;
using Relay.Spool;

namespace Relay.Web;

/// <summary>
/// The admin API over the spool, used by <c>relay queue …</c> and the status page. Every call needs
/// <c>Authorization: Bearer &lt;login secret&gt;</c>.
/// </summary>
internal static class QueueApi
{
    public static void MapQueueApi(this WebApplication app)
    {
        var queue = app.MapGroup("/api/queue").AddEndpointFilter(RequireLoginSecret);
        queue.MapGet("/", (FileSpool spool) => TypedResults.Ok(spool.List()));
        queue.MapGet("/{id}", async Task<IResult> (string id, FileSpool spool, CancellationToken cancellationToken) =>
            spool.Find(id) is { } entry
                ? TypedResults.Ok(new QueueEntryDetail(entry, await HeadersAsync(spool, entry, cancellationToken)))
                : NotFound(id));
        queue.MapPost("/{id}/retry", async Task<IResult> (string id, FileSpool spool, CancellationToken cancellationToken) =>
            await Conflicting(async () => await spool.RetryAsync(id, cancellationToken) is { } entry ? TypedResults.Ok(entry) : NotFound(id)));
        queue.MapPost("/retry-dead", async (FileSpool spool, CancellationToken cancellationToken) =>
            TypedResults.Ok(new RetriedCount(await spool.RetryAllDeadAsync(cancellationToken))));
        queue.MapDelete("/{id}", async Task<IResult> (string id, FileSpool spool, CancellationToken cancellationToken) =>
            await Conflicting(async () => await spool.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : NotFound(id)));
    }

    private static async ValueTask<object?> RequireLoginSecret(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var secret = context.HttpContext.RequestServices.GetRequiredService<LoginSecret>();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !secret.Matches(header["Bearer ".Length..]))
        {
            return TypedResults.Problem(
                "Give the login secret as 'Authorization: Bearer <secret>' (Relay:Web:LoginSecret, or the file web/login-secret in the data folder).",
                statusCode: StatusCodes.Status401Unauthorized);
        }

        return await next(context);
    }

    private static async Task<IResult> Conflicting(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static IResult NotFound(string id) =>
        TypedResults.Problem($"No message with ID '{id}' in the queue or the dead letters.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<IReadOnlyList<string>> HeadersAsync(FileSpool spool, SpoolEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = spool.OpenMessage(entry);
            var headers = await HeaderList.LoadAsync(stream, cancellationToken);
            return [.. headers.Select(header => $"{header.Field}: {header.Value}")];
        }
        catch (IOException)
        {
            return [];
        }
    }
}

internal sealed record QueueEntryDetail(SpoolEntry Entry, IReadOnlyList<string> Headers);

internal sealed record RetriedCount(int Count);
