using Microsoft.Extensions.Configuration;
using Relay.Testing;
using Relay.Web;

namespace Relay.Tests.Web;

public sealed class WebOptionsTests
{
    [Theory]
    [InlineData(null, "127.0.0.1")]
    [InlineData("false", "127.0.0.1")]
    [InlineData("true", "0.0.0.0")]
    [InlineData("TRUE", "0.0.0.0")]
    public void WebListener_ListensOnLoopback_OutsideAContainer(string? runningInContainer, string expected) =>
        Assert.Equal(expected, WebOptions.DefaultAddress(runningInContainer));

    [Fact]
    public void ShippedSettings_LeaveTheWebAddressToTheDefault()
    {
        var settings = new ConfigurationBuilder().AddJsonFile(RepositoryFiles.PathTo("src", "Relay", "appsettings.json")).Build();

        Assert.Null(settings["Relay:Web:Address"]);
        Assert.Equal(WebOptions.DefaultAddress(Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER")), new WebOptions().Address);
    }

    [Fact]
    public void LoginSecret_ShorterThan20_IsRefused_WithoutShowingIt()
    {
        var result = new WebOptionsValidator().Validate(null, new WebOptions { LoginSecret = "0123456789abcdefghi" });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Relay:Web:LoginSecret must be at least 20 characters; it has 19", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdefghi", failure, StringComparison.Ordinal);
        Assert.True(new WebOptionsValidator().Validate(null, new WebOptions { LoginSecret = "0123456789abcdefghij" }).Succeeded);
        Assert.True(new WebOptionsValidator().Validate(null, new WebOptions()).Succeeded); // generated
    }

    [Fact]
    public void TrustedProxies_AreAddressesOrNetworks_AndRateLimitsPositive()
    {
        var result = new WebOptionsValidator().Validate(null, new WebOptions
        {
            TrustedProxies = ["172.18.0.5", "10.0.0.0/8", "::1", "proxy.lan"],
            LoginRequestsPerMinute = 0,
            ApiRequestsPerMinute = -1,
        });

        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("Relay:Web:TrustedProxies:3 must be the IP address of a reverse proxy", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Relay:Web:LoginRequestsPerMinute", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Relay:Web:ApiRequestsPerMinute", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("/authorize?x=1", true)]
    [InlineData("/\\evil.com", false)]
    [InlineData("/\t/evil.com", false)]
    [InlineData("/a\nb", false)]
    [InlineData("//evil.com", false)]
    [InlineData("https://evil.com", false)]
    [InlineData("evil.com", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void ReturnUrl_OnlyAPathOnThisSite(string? url, bool local)
    {
        Assert.Equal(local, LoginEndpoints.IsLocalPath(url));
        Assert.Equal(local ? url : "/", LoginEndpoints.SafeReturn(url));
    }

    [Fact]
    public void ContentSecurityPolicy_AdmitsThePagesStyleAndScriptByHash_AndGooglesConsentPageAsFormTarget()
    {
        var policy = WebSecurity.ContentSecurityPolicy(new Relay.OAuth.GoogleOptions(), new Relay.OAuth.MicrosoftOptions());

        Assert.StartsWith("default-src 'none';", policy, StringComparison.Ordinal);
        Assert.Contains("style-src " + Html.Hash(Html.Style) + ";", policy, StringComparison.Ordinal);
        Assert.Contains("script-src " + Html.Hash(Html.LoginScript) + ";", policy, StringComparison.Ordinal);
        Assert.Contains("form-action 'self' https://accounts.google.com https://login.microsoftonline.com;", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("198.51.100.7", "198.51.100.7")]
    [InlineData("::ffff:198.51.100.7", "198.51.100.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void RateLimits_CountAnIPv6ClientBy64(string address, string key) =>
        Assert.Equal(key, WebSecurity.ClientKey(System.Net.IPAddress.Parse(address)));

}
