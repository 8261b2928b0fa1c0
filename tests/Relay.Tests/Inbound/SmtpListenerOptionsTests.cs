using Relay.Inbound;

namespace Relay.Tests.Inbound;

public sealed class SmtpListenerOptionsTests
{
    [Fact]
    public void BuildOptions_SessionTimeoutIsLongEnoughForABigMessageOnASlowLink()
    {
        // SmtpServer's default (2 min, counted from connect) would cut a 35 MB upload mid-DATA.
        var options = SmtpListenerService.BuildOptions(new InboundOptions(), auth: false, certificate: null);

        var endpoint = Assert.Single(options.Endpoints);
        Assert.Equal(TimeSpan.FromHours(1), endpoint.SessionTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CommandWaitTimeout);
        Assert.Equal(InboundOptions.GmailMaxMessageSize, options.MaxMessageSizeOptions.Length);
        Assert.Equal(SmtpServer.MaxMessageSizeHandling.Strict, options.MaxMessageSizeOptions.Handling);
    }
}
