using Microsoft.Extensions.Time.Testing;
using Relay.OAuth;

namespace Relay.Tests.OAuth;

public sealed class TokenHealthTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(4.9, false)]
    [InlineData(5.0, true)]
    [InlineData(6.9, true)]
    [InlineData(7.0, false)]
    public void TestingWarning_FromDayFiveToDaySeven(double days, bool warned)
    {
        var status = new TokenStatus("a@example.com", "web", _clock.GetUtcNow().AddDays(-days), null, null, null);

        var warning = TokenHealth.TestingWarning(status, _clock);

        Assert.Equal(warned, warning is not null);
        if (warned)
        {
            Assert.Contains("publish the app", warning, StringComparison.Ordinal);
            Assert.Contains(status.AuthorizedAt!.Value.AddDays(7).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), warning, StringComparison.Ordinal);
            Assert.Contains($"authorized {(int)days} days ago", warning, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TestingWarning_NotForATokenFromConfigurationOrOneAlreadyRefused()
    {
        Assert.Null(TokenHealth.TestingWarning(new TokenStatus("a@example.com", "configuration", null, null, null, null), _clock));
        Assert.Null(TokenHealth.TestingWarning(new TokenStatus("a@example.com", "web", _clock.GetUtcNow().AddDays(-6), null, null, "invalid_grant"), _clock));
    }

    [Theory]
    [InlineData("a.b.c", null)]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIn0.c2ln", "alice@example.com")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", null)]
    [InlineData(null, null)]
    public void EmailFromIdToken_ReadsThePayload(string? idToken, string? email) =>
        Assert.Equal(email, GoogleAuthorization.EmailFromIdToken(idToken));
}
