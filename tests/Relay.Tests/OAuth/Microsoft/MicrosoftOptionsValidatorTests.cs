using Relay.OAuth;

namespace Relay.Tests.OAuth.Microsoft;

public sealed class MicrosoftOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.True(new MicrosoftOptionsValidator().Validate(null, new MicrosoftOptions()).Succeeded);

    [Theory]
    [InlineData("http://login.microsoftonline.com", "Relay:Microsoft:Instance is 'http://login.microsoftonline.com', but must be the https address")]
    [InlineData("https://login.microsoftonline.com/organizations", "with no path")]
    [InlineData("login.microsoftonline.com", "MSAL takes only https")]
    public void Instance_MustBeAnHttpsHost(string instance, string expected)
    {
        var result = new MicrosoftOptionsValidator().Validate(null, new MicrosoftOptions { Instance = instance });

        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void SmtpPort_AndGraphUrl_AreChecked()
    {
        var result = new MicrosoftOptionsValidator().Validate(null, new MicrosoftOptions { SmtpPort = 70000, GraphUrl = "graph.microsoft.com", Tenant = " " });

        Assert.Contains("Relay:Microsoft:SmtpPort must be a TCP port", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Relay:Microsoft:GraphUrl", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Relay:Microsoft:Tenant is empty", result.FailureMessage, StringComparison.Ordinal);
    }
}
