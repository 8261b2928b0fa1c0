using MailKit.Net.Smtp;
using MailKit.Security;
using Relay.Inbound;

namespace Relay.FunctionalTests;

/// <summary>Local SMTP logins: required or optional, right or wrong password — for each, exactly the expected reply.</summary>
public sealed class AuthEndToEndTests : HarnessTest
{
    [Theory]
    [InlineData(false, null, null, "250")] // no users: AUTH not offered, anonymous mail accepted
    [InlineData(true, null, null, "250")] // users, not required: anonymous still accepted
    [InlineData(true, "scanner", "right", "250")]
    [InlineData(true, "scanner", "wrong", "535")]
    [InlineData(true, "nobody", "right", "535")]
    public async Task OptionalAuth(bool withUsers, string? user, string? password, string expected) =>
        await AssertSendAsync(withUsers, requireAuth: false, user, password, expected);

    [Theory]
    [InlineData(null, null, "530")] // anonymous refused
    [InlineData("scanner", "right", "250")]
    [InlineData("scanner", "wrong", "535")]
    public async Task RequiredAuth(string? user, string? password, string expected) =>
        await AssertSendAsync(withUsers: true, requireAuth: true, user, password, expected);

    [Fact]
    public async Task UserGivenAsHash_LogsIn()
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:Users:0:Name"] = "erp";
            s["Relay:Inbound:Users:0:PasswordHash"] = LocalUsers.Hash("s3cret");
            s["Relay:Inbound:RequireAuth"] = "true";
        });
        using var client = await relay.ConnectClientAsync();
        await client.AuthenticateAsync("erp", "s3cret");
        await client.SendAsync(Messages.Simple());
        Assert.DoesNotContain("s3cret", relay.Logs.All, StringComparison.Ordinal);
    }

    private async Task AssertSendAsync(bool withUsers, bool requireAuth, string? user, string? password, string expected)
    {
        await using var relay = await Harness.StartRelayAsync(s =>
        {
            if (withUsers)
            {
                s["Relay:Inbound:Users:0:Name"] = "scanner";
                s["Relay:Inbound:Users:0:Password"] = "right";
            }

            s["Relay:Inbound:RequireAuth"] = requireAuth.ToString();
        });
        using var client = await relay.ConnectClientAsync();
        Assert.Equal(withUsers, client.Capabilities.HasFlag(SmtpCapabilities.Authentication));

        string reply;
        try
        {
            if (user is not null)
            {
                await client.AuthenticateAsync(user, password!);
            }

            await client.SendAsync(Messages.Simple());
            reply = "250";
        }
        catch (AuthenticationException ex)
        {
            reply = ex.Message[..3];
        }
        catch (MailKit.ServiceNotAuthenticatedException)
        {
            reply = "530";
        }
        catch (SmtpCommandException ex)
        {
            reply = ((int)ex.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Equal(expected, reply);
        if (password is not null)
        {
            Assert.DoesNotContain(password == "right" ? "right\"" : "wrong\"", relay.Logs.All, StringComparison.Ordinal);
        }
    }
}
