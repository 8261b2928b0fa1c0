using System.Text.Json;

namespace Relay.Outbound.GmailApi;

/// <summary>
/// Google's JSON error, <c>{"error":{"code","message","errors":[{"reason","domain","message"}],"status","details":[{"reason"}]}}</c>,
/// reduced to its reason and message; a body that is not that shape (a proxy's HTML page) gives its status alone.
/// </summary>
internal sealed record GoogleApiError(int Status, string? Reason, string Message)
{
    public static GoogleApiError Parse(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var message = error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
                return new GoogleApiError(status, ReasonOf(error), DeliveryClassifier.OneLine(message ?? "(no message)"));
            }
        }
        catch (JsonException)
        {
        }

        return new GoogleApiError(status, null, "(no Google error in the answer)");
    }

    public bool HasReason(string reason) => string.Equals(Reason, reason, StringComparison.Ordinal);

    public override string ToString() => Reason is null ? $"{Status} {Message}" : $"{Status} {Reason}: {Message}";

    private static string? ReasonOf(JsonElement error)
    {
        if (error.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in errors.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                {
                    return reason.GetString();
                }
            }
        }

        if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in details.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                {
                    // google.rpc.ErrorInfo, the newer shape: ACCESS_TOKEN_SCOPE_INSUFFICIENT says what insufficientPermissions says.
                    return reason.GetString() == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" ? "insufficientPermissions" : reason.GetString();
                }
            }
        }

        return null;
    }
}
