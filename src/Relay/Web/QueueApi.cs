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
            Answer(id, await spool.RetryAsync(id, cancellationToken), entry => TypedResults.Ok(entry)));
        queue.MapPost("/retry-dead", async (FileSpool spool, CancellationToken cancellationToken) =>
            TypedResults.Ok(new RetriedCount(await spool.RetryAllDeadAsync(cancellationToken))));
        queue.MapPost("/release", IResult (string? account, Accounts.AccountSet accounts) =>
            accounts.Release(account) is { } released
                ? TypedResults.Ok(released.Select(one => new { one.Name, Delivery = one.Gate.State }).ToList())
                : AdminApi.Problem(accounts.NoSuchAccount(account), 404));
        queue.MapDelete("/{id}", async Task<IResult> (string id, FileSpool spool, CancellationToken cancellationToken) =>
            Answer(id, await spool.DeleteAsync(id, cancellationToken), _ => TypedResults.NoContent()));
    }

    private static IResult Answer(string id, SpoolChange change, Func<SpoolEntry, IResult> done) => change.Result switch
    {
        SpoolChangeResult.Done => done(change.Entry!),
        SpoolChangeResult.Busy => AdminApi.Problem(change.Reason!, StatusCodes.Status409Conflict),
        _ => NotFound(id),
    };

    private static IResult NotFound(string id) => AdminApi.Problem($"No message with ID '{id}' in the queue or the dead letters.", 404);

    private static async Task<IReadOnlyList<string>> HeadersAsync(FileSpool spool, SpoolEntry entry, CancellationToken cancellationToken) =>
        await spool.ReadHeadersAsync(entry, cancellationToken) is { } headers ? [.. headers.Select(header => $"{header.Field}: {header.Value}")] : [];
}
