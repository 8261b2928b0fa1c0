using Relay.Outbound.GmailApi;

namespace Relay.Tests.Outbound.GmailApi;

public sealed class GmailApiOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_AreValid()
    {
        Assert.True(new GmailApiOptionsValidator().Validate(null, new GmailApiOptions()).Succeeded);
    }

    [Fact]
    public void Validate_BadValues_AreEachNamed()
    {
        var failures = new GmailApiOptionsValidator().Validate(null, new GmailApiOptions { BaseUrl = "gmail.googleapis.com", Timeout = TimeSpan.Zero, ResumableThreshold = 40_000_000 }).Failures!;

        Assert.Equal(
            [
                "Relay:GmailApi:BaseUrl must be an absolute http(s) URL; it is 'gmail.googleapis.com'. (environment: Relay__GmailApi__BaseUrl)",
                "Relay:GmailApi:Timeout must be a positive duration such as 00:05:00; it is 00:00:00. (environment: Relay__GmailApi__Timeout)",
                "Relay:GmailApi:ResumableThreshold must be a size in bytes between 1 and 36700160 (the API's limit); it is 40000000. The default, 5242880 (5 MiB), follows Google's advice. (environment: Relay__GmailApi__ResumableThreshold)",
            ],
            failures);
    }
}
