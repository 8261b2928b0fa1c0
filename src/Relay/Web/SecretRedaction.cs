using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;

namespace Relay.Web;

/// <summary>
/// Request logs (ASP.NET Core's at Information) record each request's query. The relay takes its login secret only by
/// POST, but an old link or a hand-typed address may still carry <c>secret=…</c>, and Google's redirect carries the
/// authorization <c>code=…</c>: their values are replaced before any sink renders the line.
/// </summary>
internal sealed partial class SecretRedaction : ILogEventEnricher
{
    private static readonly string[] Properties = ["QueryString", "Path", "RequestPath", "Uri"];

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var name in Properties)
        {
            if (logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string text } && SecretParameter().IsMatch(text))
            {
                logEvent.AddOrUpdateProperty(propertyFactory.CreateProperty(name, SecretParameter().Replace(text, "${name}=(redacted)")));
            }
        }
    }

    // secret: also at the end of a longer name (clientSecret=, loginSecret=). code: Google's one-time authorization code
    // on /oauth/callback (useless without PKCE, but a credential all the same), and only as a whole name (not postcode=).
    [GeneratedRegex("(?<name>secret|secretValue|(?<![A-Za-z])code)=[^&#\\s]*", RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();
}
