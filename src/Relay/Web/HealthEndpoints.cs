using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Web;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: it can do its job (spool writable, token usable, not held), with the reasons when not.</summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapGet("/readyz", (FileSpool spool, IAccessTokenSource tokens, DeliveryGate gate) =>
        {
            var problems = new List<string>();
            if (spool.WriteProbe() is { } spoolProblem)
            {
                problems.Add("spool not writable: " + spoolProblem);
            }

            var status = tokens.Status;
            if (status.Account is null)
            {
                problems.Add("no Google account is authorized: open the web page and authorize one");
            }
            else if (status.Problem is { } problem)
            {
                problems.Add("the account needs to be authorized again: " + problem);
            }

            if (gate.State is { Reason: not HoldReason.None } hold)
            {
                problems.Add($"delivery is on hold ({hold.Reason}): {hold.Detail}");
            }

            return problems.Count == 0
                ? Results.Text("ready")
                : Results.Text("not ready:\n- " + string.Join("\n- ", problems), statusCode: StatusCodes.Status503ServiceUnavailable);
        });
    }
}
