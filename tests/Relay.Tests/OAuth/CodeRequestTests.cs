using Relay.OAuth;

namespace Relay.Tests.OAuth;

public sealed class CodeRequestTests
{
    [Fact]
    public void ItsText_NamesTheClient_ButNotTheCodeTheVerifierOrTheSecret()
    {
        var request = new CodeRequest("4/0AcodeValue", "verifier-value-123", "http://localhost:8025/oauth/callback", "client-id.apps", "GOCSPX-secret-value", KeepSecret: true);

        var text = request.ToString();

        Assert.Contains("client-id.apps", text, StringComparison.Ordinal);
        Assert.Contains("http://localhost:8025/oauth/callback", text, StringComparison.Ordinal);
        Assert.DoesNotContain("4/0AcodeValue", text, StringComparison.Ordinal);
        Assert.DoesNotContain("verifier-value-123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("GOCSPX-secret-value", text, StringComparison.Ordinal);
    }
}
