using Relay.Accounts;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Web;

/// <summary>
/// <c>/healthz</c>: the process answers. <c>/readyz</c>: it can do its job (spool writable, and every account's token
/// usable and its mail not held), with the reasons when not, each naming its account when there are several.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapGet("/readyz", (FileSpool spool, AccountSet accounts) =>
        {
            var problems = new List<string>();
            if (spool.WriteProbe() is { } spoolProblem)
            {
                problems.Add("spool not writable: " + spoolProblem);
            }

            foreach (var account in accounts.All)
            {
                var label = accounts.Several ? $"account {account.Name}: " : "";
                var status = account.Tokens.Status;
                if (status.Account is null)
                {
                    problems.Add(label + $"no {account.Settings.ProviderName} account is authorized: open the web page and authorize one");
                }
                else if (status.Problem is { } problem)
                {
                    problems.Add(label + "the account needs to be authorized again: " + problem);
                }

                if (account.Gate.State is { Reason: not HoldReason.None } hold)
                {
                    problems.Add($"{label}delivery is on hold ({hold.Reason}): {hold.Detail}");
                }
            }

            return problems.Count == 0
                ? Results.Text("ready")
                : Results.Text("not ready:\n- " + string.Join("\n- ", problems), statusCode: StatusCodes.Status503ServiceUnavailable);
        });
    }
}
