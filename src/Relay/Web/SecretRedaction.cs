using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;

namespace Relay.Web;

/// <summary>
/// Request logs (ASP.NET Core's at Information) record each request's query. The relay takes its login secret only by
/// POST, but an old link or a hand-typed address may still carry <c>secret=…</c>: its value is replaced before any sink
/// renders the line.
/// </summary>
internal sealed partial class SecretRedaction : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var name in new[] { "QueryString", "Path", "RequestPath", "Uri" })
        {
            if (logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string text } && SecretParameter().IsMatch(text))
            {
                logEvent.AddOrUpdateProperty(propertyFactory.CreateProperty(name, SecretParameter().Replace(text, "${name}=(redacted)")));
            }
        }
    }

    [GeneratedRegex("(?<name>secret|secretValue)=[^&#\\s]*", RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();
}
