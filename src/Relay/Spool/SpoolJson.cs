using System.Text.Json;
using System.Text.Json.Serialization;

namespace Relay.Spool;

/// <summary>How spool records are written as JSON: on disk, by the admin API and for <c>relay queue --json</c>.</summary>
internal static class SpoolJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };
}
