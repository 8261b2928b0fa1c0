using System.Globalization;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Accounts;
using Relay.Outbound;
using Relay.Rewrite;
using Relay.Spool;
using static Relay.Web.Html;

namespace Relay.Web;

/// <summary>
/// The queue in the browser (signed in): a filtered, paged list, a detail page, and the actions of <c>relay queue</c>
/// (retry, delete, retry every dead letter, release the hold), each behind a confirmation page whose form carries the
/// anti-forgery token. The operations are the spool's own, as for the CLI and <c>/api</c>.
/// </summary>
internal static class QueuePages
{
    public const int PageSize = 50;

    public static void MapQueuePages(this WebApplication app)
    {
        var queue = app.MapGroup("/queue").RequireAuthorization();
        queue.MapGet("/", List);
        queue.MapGet("/{id}", Detail);
        queue.MapGet("/{id}/message.eml", (string id, FileSpool spool) =>
            spool.Find(id) is { } entry
                ? Results.Stream(spool.OpenMessage(entry), "message/rfc822", $"{id}.eml")
                : Missing(id));
        queue.MapGet("/{id}/{action:regex(^(retry|delete)$)}", (HttpContext context, string id, string action, FileSpool spool) =>
            spool.Find(id) is null ? Missing(id) : Confirm(context, $"/queue/{id}/{action}",
                action == "retry" ? $"Send message {id} now?" : $"Delete message {id} for good?",
                action == "retry" ? "It is tried at once (a dead letter goes back to the queue)." : "The message and its envelope are removed from the disk; this cannot be undone.",
                action == "retry" ? "Retry now" : "Delete"));
        queue.MapPost("/{id}/retry", async (string id, FileSpool spool, CancellationToken cancellationToken) =>
            Act(id, await spool.RetryAsync(id, cancellationToken), "is queued to be tried now"));
        queue.MapPost("/{id}/delete", async (string id, FileSpool spool, CancellationToken cancellationToken) =>
            Act(id, await spool.DeleteAsync(id, cancellationToken), "was deleted"));
        queue.MapGet("/retry-dead", (HttpContext context, FileSpool spool) =>
            Confirm(context, "/queue/retry-dead", $"Retry all {spool.DeadCount} dead letter(s)?", "Each goes back to the queue and is tried at once.", "Retry all"));
        queue.MapPost("/retry-dead", async (FileSpool spool, CancellationToken cancellationToken) =>
        {
            var count = await spool.RetryAllDeadAsync(cancellationToken);
            return Page("Dead letters retried", Banner("ok", $"{count} dead letter(s) went back to the queue.") + """<p><a href="/queue">Back to the queue</a></p>""");
        });
        queue.MapGet("/release", (HttpContext context, string? account, AccountSet accounts) =>
            Confirm(context, account is null ? "/queue/release" : $"/queue/release?account={Uri.EscapeDataString(account)}", "Release the hold and try now?",
                $"{Holds(accounts, account)} One message per held account is tried at once; if the cause is still there, that account is held again.",
                "Release and try now"));
        queue.MapPost("/release", (string? account, AccountSet accounts) =>
        {
            // One account's Release touches only its hold: another may be held on purpose (Google's Retry-After).
            if (accounts.Release(account) is null)
            {
                return Page("Not found", Banner("warn", E(accounts.NoSuchAccount(account))) + """<p><a href="/queue">Back to the queue</a></p>""", StatusCodes.Status404NotFound);
            }

            return Page("Hold released", Banner("ok", "The hold is released: delivery is tried now.") + """<p><a href="/queue">Back to the queue</a></p>""");
        });
    }

    /// <summary>Which accounts are held, and why, in one sentence.</summary>
    private static string Holds(AccountSet accounts, string? only)
    {
        var held = accounts.All.Where(account => account.Gate.State.Reason != HoldReason.None && (only is null || string.Equals(account.Name, only, StringComparison.OrdinalIgnoreCase)))
            .Select(account => $"{(accounts.Several ? account.Name + ": " : "")}{account.Gate.State.Reason}: {account.Gate.State.Detail}").ToList();
        return held.Count == 0 ? "Delivery is not on hold." : $"Delivery is on hold ({string.Join("; ", held)}).";
    }

    private static IResult List(HttpContext context, string? state, int? page, FileSpool spool, AccountSet accounts, TimeProvider time)
    {
        var all = QueueItem.All(spool, accounts, time);
        var filter = Enum.TryParse<QueueState>(state, ignoreCase: true, out var parsed) ? parsed : (QueueState?)null;
        var shown = filter is { } only ? all.Where(item => item.State == only).ToList() : all;
        var pages = Math.Max(1, (shown.Count + PageSize - 1) / PageSize);
        var current = Math.Clamp(page ?? 1, 1, pages);
        var now = time.GetUtcNow();
        var filters = string.Join(" ", new[] { (QueueState?)null }.Concat(Enum.GetValues<QueueState>().Select(s => (QueueState?)s)).Select(s =>
        {
            var label = $"{(s is null ? "all" : s.ToString()!.ToLowerInvariant())} ({(s is null ? all.Count : all.Count(item => item.State == s))})";
            return s == filter ? $"<b>{E(label)}</b>" : $"""<a href="/queue{(s is null ? "" : $"?state={s.ToString()!.ToLowerInvariant()}")}">{E(label)}</a>""";
        }));
        var rows = shown.Skip((current - 1) * PageSize).Take(PageSize).Select(item =>
        {
            var e = item.Entry;
            return $"""
                <tr><td><a href="/queue/{E(e.Id)}" title="{E(e.Id)}"><code>…{E(e.Id[^10..])}</code></a></td><td>{E(item.Account)}</td><td>{E(item.State.ToString().ToLowerInvariant())}</td>
                <td>{E(Ago(now - e.ReceivedAt))}</td><td>{E(e.MailFrom ?? "<>")}</td>
                <td title="{E(string.Join(", ", e.Recipients))}">{e.Recipients.Count}: {E(Shorten(string.Join(", ", e.Recipients), 40))}</td>
                <td>{e.Attempts}</td><td>{E(item.Next)}</td><td>{E(Shorten(e.LastError ?? "", 80))}</td></tr>
                """;
        });
        var actions = (accounts.All.All(account => account.Gate.State.Reason == HoldReason.None) ? "" : """<a href="/queue/release">Release the hold and try now</a> """) +
            (spool.DeadCount == 0 ? "" : """<a href="/queue/retry-dead">Retry every dead letter</a>""");
        var paging = pages == 1 ? "" : string.Join(" ", Enumerable.Range(1, pages).Where(p => p == 1 || p == pages || Math.Abs(p - current) <= 3).Select(p =>
            p == current ? $"<b>{p}</b>" : $"""<a href="/queue?{(filter is null ? "" : $"state={filter.ToString()!.ToLowerInvariant()}&amp;")}page={p}">{p}</a>"""));
        return Page("Queue", $"""
            <p class="filters">{filters}</p>
            {(actions.Length == 0 ? "" : $"<p>{actions}</p>")}
            <div class="scroll"><table class="list">
              <tr><th>ID</th><th>Account</th><th>State</th><th>Age</th><th>Sender</th><th>Recipients</th><th>Attempts</th><th>Next attempt</th><th>Last reply</th></tr>
              {(shown.Count == 0 ? "<tr><td colspan=9>Nothing here.</td></tr>" : string.Concat(rows))}
            </table></div>
            <p>{paging}</p>
            """);
    }

    private static async Task<IResult> Detail(HttpContext context, string id, FileSpool spool, AccountSet accounts,
        IOptions<RewriteOptions> rewrite, TimeProvider time, CancellationToken cancellationToken)
    {
        if (spool.Find(id) is not { } entry)
        {
            return Missing(id);
        }

        var account = accounts.For(entry);
        var item = QueueItem.Of(entry, account is null ? null : AccountState.Of(account), time);
        var (headers, rewriteText) = await ReadAsync(spool, entry, account?.Tokens.Account, account?.Settings.Aliases ?? [], rewrite.Value, cancellationToken);
        var history = entry.History.Count == 0
            ? "<tr><td colspan=3>No attempt yet.</td></tr>"
            : string.Concat(entry.History.Select(a => $"<tr><td>{a.At:yyyy-MM-dd HH:mm:ss}</td><td>{a.Result}</td><td>{E(a.Reply)}</td></tr>"));
        return Page($"Message {id}", $"""
            <p><a href="/queue/{E(id)}/retry">Retry now</a> <a href="/queue/{E(id)}/delete">Delete</a> <a href="/queue/{E(id)}/message.eml">Download the .eml</a></p>
            <div class="scroll"><table>
              <tr><th>State</th><td>{E(item.State.ToString().ToLowerInvariant())}: next, {E(item.Next)}</td></tr>
              <tr><th>Account</th><td>{E(item.Account)}</td></tr>
              <tr><th>Received</th><td>{E(When(entry.ReceivedAt, time))} from {E(entry.ClientAddress)}</td></tr>
              <tr><th>Envelope sender</th><td>{E(entry.MailFrom ?? "<>")}</td></tr>
              <tr><th>Recipients ({entry.Recipients.Count})</th><td>{string.Join("<br>", entry.Recipients.Select(E))}</td></tr>
              <tr><th>Size</th><td>{entry.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes</td></tr>
              <tr><th>Attempts</th><td>{entry.Attempts}</td></tr>
              <tr><th>Last reply</th><td>{E(entry.LastError ?? "—")}</td></tr>
              <tr><th>Rewrite on sending</th><td>{rewriteText}</td></tr>
            </table></div>
            <h2>History</h2>
            <div class="scroll"><table class="list"><tr><th>Time (UTC)</th><th>Result</th><th>Reply</th></tr>{history}</table></div>
            <h2>Headers</h2>
            <pre>{E(string.Join("\n", headers))}</pre>
            """);
    }

    /// <summary>The headers as text (never rendered as HTML), and what the rewrite will do with them; the body is not read.</summary>
    private static async Task<(IReadOnlyList<string> Headers, string Rewrite)> ReadAsync(
        FileSpool spool, SpoolEntry entry, string? sender, IReadOnlyList<string> aliases, RewriteOptions rewrite, CancellationToken cancellationToken)
    {
        if (await spool.ReadHeadersAsync(entry, cancellationToken) is not { } read)
        {
            return ([], "the message file cannot be read");
        }

        var headers = read.Select(header => $"{header.Field}: {header.Value}").ToList();
        var message = UpstreamMessage.WithHeaders(read);
        if (sender is null)
        {
            return (headers, "decided once an account is authorized");
        }

        var result = FromRewriter.Rewrite(message, sender, aliases, rewrite.AddReplyTo);
        var lines = new List<string> { $"MAIL FROM: {E(result.EnvelopeSender.Address)}" };
        lines.Add(result.FromRewritten ? $"From: {E(message.Headers[HeaderId.From])} (was {E(result.OriginalFrom?.ToString())})" : "From kept");
        if (result.FromRewritten && rewrite.AddReplyTo && message.Headers[HeaderId.ReplyTo] is { } replyTo)
        {
            lines.Add($"Reply-To: {E(replyTo)}");
        }

        return (headers, string.Join("<br>", lines));
    }

    private static IResult Act(string id, SpoolChange change, string done) => change.Result switch
    {
        SpoolChangeResult.Done => Page("Done", Banner("ok", $"Message {E(id)} {done}.") + """<p><a href="/queue">Back to the queue</a></p>"""),
        SpoolChangeResult.Busy => Page("Not now", Banner("warn", E(change.Reason)) + $"""<p><a href="/queue/{E(id)}">Back to the message</a></p>""", StatusCodes.Status409Conflict),
        _ => Missing(id),
    };

    private static IResult Confirm(HttpContext context, string action, string question, string detail, string button) => Page(question, $"""
        <p>{E(detail)}</p>
        <form method="post" action="{E(action)}">{Antiforgery(context)}
          <p><button type="submit" id="confirm">{E(button)}</button> <a href="/queue">Cancel</a></p>
        </form>
        """);

    private static IResult Missing(string id) =>
        Page("Not found", Banner("warn", $"No message with ID '{E(id)}' in the queue or the dead letters.") + """<p><a href="/queue">Back to the queue</a></p>""", StatusCodes.Status404NotFound);

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

}
