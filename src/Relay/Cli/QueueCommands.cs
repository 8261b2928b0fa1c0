using System.CommandLine;
using System.Text.Json;
using Relay.Spool;
using Relay.Web;

namespace Relay.Cli;

/// <summary><c>relay queue list | show ID | retry ID|--all-dead | delete ID</c>, against the running relay's admin API.</summary>
internal static class QueueCommands
{
    public static Command Create(Option<string?> url)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table.", Recursive = true };
        var queue = new Command("queue", "Look at and act on the messages waiting for delivery and the dead letters.") { json };

        var list = new Command("list", "List queued, deferred and dead messages, oldest first.");
        list.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(url), async client =>
        {
            var entries = await client.GetAsync<List<SpoolEntry>>("api/queue", ct);
            if (parse.GetValue(json))
            {
                Console.Write(JsonSerializer.Serialize(entries, SpoolJson.Options) + Environment.NewLine);
                return;
            }

            var status = await client.GetAsync<RelayStatus>("api/status", ct);
            Console.Write(ListTable(entries, status, TimeProvider.System));
        }));

        var showId = new Argument<string>("id") { Description = "The message ID, as in 'relay queue list'." };
        var show = new Command("show", "Show one message: envelope, headers and delivery history.") { showId };
        show.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(url), async client =>
        {
            var detail = await client.GetAsync<QueueEntryDetail>($"api/queue/{Uri.EscapeDataString(parse.GetValue(showId)!)}", ct);
            Console.Write(parse.GetValue(json) ? JsonSerializer.Serialize(detail, SpoolJson.Options) + Environment.NewLine : ShowText(detail));
        }));

        var retryId = new Argument<string?>("id") { Description = "The message ID.", Arity = ArgumentArity.ZeroOrOne };
        var allDead = new Option<bool>("--all-dead") { Description = "Put every dead letter back in the queue." };
        var retry = new Command("retry", "Try a message again now (a dead letter goes back to the queue).") { retryId, allDead };
        retry.Validators.Add(result =>
        {
            if ((result.GetValue(retryId) is null) == !result.GetValue(allDead))
            {
                result.AddError("Give either a message ID or --all-dead.");
            }
        });
        retry.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(url), async client =>
        {
            if (parse.GetValue(allDead))
            {
                var retried = await client.PostAsync<RetriedCount>("api/queue/retry-dead", null, ct);
                Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(retried, SpoolJson.Options) : $"{retried.Count} dead letter(s) queued again.");
                return;
            }

            var entry = await client.PostAsync<SpoolEntry>($"api/queue/{Uri.EscapeDataString(parse.GetValue(retryId)!)}/retry", null, ct);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(entry, SpoolJson.Options) : $"{entry.Id} will be tried again now.");
        }));

        var deleteId = new Argument<string>("id") { Description = "The message ID." };
        var delete = new Command("delete", "Remove a message for good (queued or dead).") { deleteId };
        delete.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(url), async client =>
        {
            await client.DeleteAsync($"api/queue/{Uri.EscapeDataString(parse.GetValue(deleteId)!)}", ct);
            Console.WriteLine($"{parse.GetValue(deleteId)} deleted.");
        }));

        var releaseAccount = new Option<string?>("--account") { Description = "Release only this account's hold (its Name in Relay:Accounts); default: every account's." };
        var release = new Command("release", "End a hold (token refused, sending limit) and try one message now; if the cause is still there, the account is held again.") { releaseAccount };
        release.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(url), async client =>
        {
            var name = parse.GetValue(releaseAccount);
            await client.PostAsync<object>(name is null ? "api/queue/release" : $"api/queue/release?account={Uri.EscapeDataString(name)}", null, ct);
            Console.WriteLine("The hold is released: delivery is tried now.");
        }));

        queue.Subcommands.Add(list);
        queue.Subcommands.Add(release);
        queue.Subcommands.Add(show);
        queue.Subcommands.Add(retry);
        queue.Subcommands.Add(delete);
        return queue;
    }

    /// <summary>The table of <c>relay queue list</c>; NEXT says what is true: "now", "in 5m", "held until …", "waiting for an account".</summary>
    internal static string ListTable(IReadOnlyList<SpoolEntry> entries, RelayStatus status, TimeProvider time)
    {
        if (entries.Count == 0)
        {
            return "The queue is empty and there are no dead letters." + Environment.NewLine;
        }

        var now = time.GetUtcNow();
        return TextTable.Render(
            ["ID", "ACCOUNT", "AGE", "STATE", "FROM", "RCPTS", "ATTEMPTS", "NEXT", "LAST ERROR"],
            entries.Select(entry => QueueItem.Of(entry, status.For(entry), time)).Select(item => (IReadOnlyList<string>)
            [
                item.Entry.Id,
                item.Account,
                TextTable.Duration(now - item.Entry.ReceivedAt),
                item.State.ToString().ToLowerInvariant(),
                item.Entry.MailFrom ?? "<>",
                item.Entry.Recipients.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                item.Entry.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                item.State switch
                {
                    QueueState.Dead => "-",
                    QueueState.Held => item.Next,
                    _ => item.Entry.NextAttemptAt <= now ? "now" : "in " + TextTable.Duration(item.Entry.NextAttemptAt - now),
                },
                TextTable.Cut(item.Entry.LastError, 70),
            ]));
    }

    private static string ShowText(QueueEntryDetail detail)
    {
        var e = detail.Entry;
        var lines = new List<string>
        {
            $"ID:           {e.Id}",
            $"State:        {e.State.ToString().ToLowerInvariant()}",
            $"Account:      {e.Account ?? "(the default account)"}",
            $"Received:     {e.ReceivedAt:u} from {e.ClientAddress}",
            $"MAIL FROM:    {e.MailFrom ?? "<>"}",
            $"RCPT TO:      {string.Join(", ", e.Recipients)}",
            $"Size:         {e.Size} bytes",
            $"Attempts:     {e.Attempts}" + (e.State == SpoolState.Dead ? "" : $", next at {e.NextAttemptAt:u}"),
            $"Last error:   {e.LastError ?? "-"}",
            "",
            "Headers:",
        };
        lines.AddRange(detail.Headers.Select(header => "  " + header));
        lines.Add("");
        lines.Add("History:");
        lines.AddRange(e.History.Count == 0 ? ["  (no attempt yet)"] : e.History.Select(a => $"  {a.At:u}  {a.Result,-9}  {a.Reply}"));

        // Headers, addresses and replies are what a client sent (or Gmail quoted back): no escape sequence reaches the terminal.
        return string.Join(Environment.NewLine, lines.Select(ClientText.Clean)) + Environment.NewLine;
    }
}
