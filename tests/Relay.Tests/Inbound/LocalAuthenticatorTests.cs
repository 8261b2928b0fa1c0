using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Inbound;
using SmtpServer;
using SmtpServer.Net;
using SmtpServer.Protocol;

namespace Relay.Tests.Inbound;

public sealed class LocalAuthenticatorTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    private LocalAuthenticator Authenticator() => new(
        new LocalUsers(Options.Create(new InboundOptions { Users = [new LocalUserOptions { Name = "scanner", Password = "right" }] })),
        _clock,
        NullLogger<LocalAuthenticator>.Instance);

    [Fact]
    public async Task Failures_AreSlowedDownAfterThree_AndRefusedAfterTen_ForAQuarterOfAnHour()
    {
        var authenticator = Authenticator();
        var attacker = Context("192.168.1.66");
        for (var i = 0; i < LocalAuthenticator.FreeFailures; i++)
        {
            Assert.False(await authenticator.AuthenticateAsync(attacker, "scanner", "guess", CancellationToken.None));
        }

        var slowed = authenticator.AuthenticateAsync(attacker, "scanner", "guess", CancellationToken.None);
        Assert.False(slowed.IsCompleted); // the fourth failure waits a second
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await slowed.WaitAsync(TimeSpan.FromSeconds(10)));

        for (var i = LocalAuthenticator.FreeFailures + 1; i < LocalAuthenticator.MaxFailures; i++)
        {
            var attempt = authenticator.AuthenticateAsync(attacker, "scanner", "guess", CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(10));
            await attempt.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var blocked = await Assert.ThrowsAsync<SmtpResponseException>(() => authenticator.AuthenticateAsync(attacker, "scanner", "right", CancellationToken.None));
        Assert.Equal(454, (int)blocked.Response.ReplyCode);
        Assert.True(await authenticator.AuthenticateAsync(Context("192.168.1.10"), "scanner", "right", CancellationToken.None)); // others unaffected

        _clock.Advance(LocalAuthenticator.Window);
        Assert.True(await authenticator.AuthenticateAsync(attacker, "scanner", "right", CancellationToken.None));
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::")] // IPv6: one /64 is one source
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::")]
    [InlineData("::ffff:192.168.1.66", "192.168.1.66")] // IPv4-mapped: the IPv4 address
    [InlineData("192.168.1.66", "192.168.1.66")]
    public void Source_CountsIpv6Per64(string client, string source) =>
        Assert.Equal(IPAddress.Parse(source), LocalAuthenticator.Source(IPAddress.Parse(client)));

    [Fact]
    public async Task FailuresFromOneIpv6Slash64_AreCountedTogether()
    {
        var authenticator = Authenticator();
        for (var i = 0; i < LocalAuthenticator.MaxFailures; i++)
        {
            var attempt = authenticator.AuthenticateAsync(Context($"2001:db8::{i + 1}"), "scanner", "guess", CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(10));
            Assert.False(await attempt.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        var blocked = await Assert.ThrowsAsync<SmtpResponseException>(() => authenticator.AuthenticateAsync(Context("2001:db8::ffff"), "scanner", "right", CancellationToken.None));
        Assert.Equal(454, (int)blocked.Response.ReplyCode);
        Assert.True(await authenticator.AuthenticateAsync(Context("2001:db8:0:1::1"), "scanner", "right", CancellationToken.None)); // another /64
    }

    [Fact]
    public void Hash_VerifiesTheRightPasswordOnly()
    {
        var hash = LocalUsers.Hash("s3cret");
        var users = new LocalUsers(Options.Create(new InboundOptions { Users = [new LocalUserOptions { Name = "erp", PasswordHash = hash }] }));

        Assert.True(LocalUsers.IsHash(hash));
        Assert.True(users.Verify("ERP", "s3cret"));
        Assert.False(users.Verify("erp", "S3cret"));
        Assert.False(users.Verify("other", "s3cret"));
        Assert.DoesNotContain("s3cret", hash, StringComparison.Ordinal);
    }

    private static ISessionContext Context(string address) => new FakeSessionContext(new IPEndPoint(IPAddress.Parse(address), 40000));

    private sealed class FakeSessionContext(IPEndPoint remote) : ISessionContext
    {
        public Guid SessionId { get; } = Guid.NewGuid();
        public IServiceProvider ServiceProvider => throw new NotSupportedException();
        public ISmtpServerOptions ServerOptions => throw new NotSupportedException();
        public IEndpointDefinition EndpointDefinition => throw new NotSupportedException();
        public SmtpServer.IO.ISecurableDuplexPipe Pipe => throw new NotSupportedException();
        public AuthenticationContext Authentication => AuthenticationContext.Unauthenticated;
        public IDictionary<string, object> Properties { get; } = new Dictionary<string, object> { [EndpointListener.RemoteEndPointKey] = remote };
#pragma warning disable CS0067 // part of the interface, not raised here
        public event EventHandler<SmtpCommandEventArgs>? CommandExecuting;
        public event EventHandler<SmtpCommandEventArgs>? CommandExecuted;
        public event EventHandler<SmtpResponseExceptionEventArgs>? ResponseException;
        public event EventHandler<EventArgs>? SessionAuthenticated;
#pragma warning restore CS0067
    }
}
