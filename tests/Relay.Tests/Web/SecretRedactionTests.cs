using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using Relay.Web;

namespace Relay.Tests.Web;

public sealed class SecretRedactionTests
{
    [Theory]
    [InlineData("?secret=abc123&x=1", "?secret=(redacted)&x=1")]
    [InlineData("?state=s1&code=4/0AfJohXn-SECRET&scope=x", "?state=s1&code=(redacted)&scope=x")]
    [InlineData("?postcode=75001", "?postcode=75001")]
    [InlineData("?clientSecret=GOCSPX-abc&loginSecret=xyz", "?clientSecret=(redacted)&loginSecret=(redacted)")]
    public void QueryValuesThatAreCredentials_AreRedacted_OthersKept(string query, string expected)
    {
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse("{QueryString}"),
            [new LogEventProperty("QueryString", new ScalarValue(query))]);

        new SecretRedaction().Enrich(logEvent, new Factory());

        Assert.Equal(expected, ((ScalarValue)logEvent.Properties["QueryString"]).Value);
    }

    private sealed class Factory : ILogEventPropertyFactory
    {
        public LogEventProperty CreateProperty(string name, object? value, bool destructureObjects = false) => new(name, new ScalarValue(value));
    }
}
