using Relay.Outbound.GmailApi;

namespace Relay.Tests.Outbound.GmailApi;

public sealed class GoogleApiErrorTests
{
    [Theory]
    [InlineData("""{"error":{"code":403,"message":"Daily Limit Exceeded","errors":[{"message":"Daily Limit Exceeded","domain":"usageLimits","reason":"dailyLimitExceeded"}],"status":"PERMISSION_DENIED"}}""", "dailyLimitExceeded", "Daily Limit Exceeded")]
    [InlineData("""{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT","domain":"googleapis.com"}]}}""", "insufficientPermissions", "Request had insufficient authentication scopes.")]
    [InlineData("""{"error":{"code":400,"message":"Invalid To header\nline two"}}""", null, "Invalid To header line two")]
    [InlineData("<html><body>502 Bad Gateway</body></html>", null, "(no Google error in the answer)")]
    [InlineData("", null, "(no Google error in the answer)")]
    [InlineData("""{"error":"invalid_token"}""", null, "(no Google error in the answer)")]
    public void Parse_ReadsTheReasonAndMessageOfEitherShape(string body, string? reason, string message)
    {
        var error = GoogleApiError.Parse(403, body);

        Assert.Equal((reason, message), (error.Reason, error.Message));
    }
}
