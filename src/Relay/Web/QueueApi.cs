using MimeKit;
using Relay.Spool;

namespace Relay.Web;

/// <summary>
/// The admin API over the spool, used by <c>relay queue …</c>.
/// </summary>
internal static class QueueApi
{
    public static void MapQueueApi(this RouteGroupBuilder api)
    {
        var queue = api.MapGroup("/queue");
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

    private static IResult NotFound(string id) => AdminApi.Problem($"No message with ID '{id}' in the queue or the dead letters.", 404);

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
