using Microsoft.Extensions.Options;
using Relay.Outbound;

namespace Relay.Tests.Outbound;

public sealed class UpstreamCertificateValidatorStartTests
{
    [Fact]
    public void Construction_ReadsNoFile_LoadReadsTrustedCaFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "relay-no-such-ca-" + Guid.NewGuid().ToString("N") + ".pem");

        var validator = new UpstreamCertificateValidator(Options.Create(new OutboundOptions { TrustedCaFile = missing }));

        Assert.ThrowsAny<IOException>(validator.Load);
    }
}
