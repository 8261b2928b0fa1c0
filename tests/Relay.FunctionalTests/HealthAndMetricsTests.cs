using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MimeKit;
using Relay.Outbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed partial class HealthAndMetricsTests : HarnessTest
{
    [Fact]
    public async Task Metrics_CountWhatHappened_InPrometheusTextFormat()
    {
        await using var relay = await Harness.StartRelayAsync();
        await relay.SendAsync(Messages.Simple());
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        var refused = Messages.Simple("refused");
        refused.To.Clear();
        refused.To.Add(MailboxAddress.Parse("rejected.user@example.org"));
        await relay.SendAsync(refused);
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Rejected);

        using var http = new HttpClient();
        var response = await http.GetAsync(relay.WebAddress + "metrics");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var samples = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(2, samples["relay_messages_received_total"]);
        Assert.Equal(1, samples["relay_delivery_attempts_total{outcome=\"delivered\",account=\"default\"}"]);
        Assert.Equal(1, samples["relay_delivery_attempts_total{outcome=\"rejected\",account=\"default\"}"]);
        Assert.Equal(1, samples["relay_delivery_latency_seconds_count"]);
        Assert.Equal(0, samples["relay_queue_depth"]);
        Assert.Equal(1, samples["relay_dead_letters"]);
        Assert.Equal(1, samples["relay_account_authorized{account=\"default\"}"]);
        Assert.Equal(1, samples["relay_quota_used{kind=\"messages\",account=\"default\"}"]);
        Assert.Equal(2000, samples["relay_quota_limit{kind=\"messages\",account=\"default\"}"]);
        Assert.Equal(0, samples["relay_delivery_held{reason=\"authorization\",account=\"default\"}"]);
        Assert.True(samples["relay_access_token_expiry_timestamp_seconds{account=\"default\"}"] > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Readiness_FailsWithTheReasonWhenTheTokenIsRevoked_AndComesBackAfterReauthorization()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var http = new HttpClient();
        var (notYet, why) = await ReadyAsync(http, relay);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notYet);
        Assert.Contains("no Google account is authorized", why, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(relay.WebAddress + "healthz")).StatusCode); // alive all the same

        using var browser = await WebSession.SignedInAsync(relay);
        await browser.GetTextAsync(await browser.ConsentAsync());
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(http, relay)).Status);

        Harness.OAuth.RefreshTokenRevoked = true;
        await relay.SendAsync(Messages.Simple());
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.NeedsAuthorization);
        var (revoked, reason) = await ReadyAsync(http, relay);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, revoked);
        Assert.Contains("invalid_grant", reason, StringComparison.Ordinal);

        Harness.OAuth.RefreshTokenRevoked = false;
        await browser.GetTextAsync(await browser.ConsentAsync()); // authorized again
        await relay.NextOutcomeAsync(o => o.Result == DeliveryResult.Delivered);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(http, relay)).Status);
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(HttpClient http, RelayInstance relay)
    {
        var response = await http.GetAsync(relay.WebAddress + "readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A Prometheus text exposition (format 0.0.4) parser: HELP/TYPE comments, then <c>name{labels} value</c> lines.</summary>
    private static Dictionary<string, double> Parse(string exposition)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"Not a Prometheus sample line: {line}");
            samples[match.Groups["series"].Value] = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return samples;
    }

    [GeneratedRegex("""^(?<series>[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (?<value>[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|Inf|NaN))( \d+)?$""")]
    private static partial Regex Sample();
}
