using System.Text.Json;

namespace Relay.Outbound.Graph;

/// <summary>
/// Microsoft Graph's JSON error, <c>{"error":{"code":"ErrorAccessDenied","message":"…","innerError":{…}}}</c>, reduced to
/// its code and message; a body that is not that shape (a proxy's page) gives its status alone.
/// </summary>
internal sealed record GraphError(int Status, string? Code, string Message)
{
    public static GraphError Parse(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var code = error.TryGetProperty("code", out var codeValue) && codeValue.ValueKind == JsonValueKind.String ? codeValue.GetString() : null;
                var message = error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
                return new GraphError(status, code, DeliveryClassifier.OneLine(message ?? "(no message)"));
            }
        }
        catch (JsonException)
        {
        }

        return new GraphError(status, null, "(no Graph error in the answer)");
    }

    public bool Is(string code) => string.Equals(Code, code, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Code is null ? $"{Status} {Message}" : $"{Status} {Code}: {Message}";
}
