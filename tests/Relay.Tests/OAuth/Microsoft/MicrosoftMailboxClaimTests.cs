using System.Security.Claims;
using Relay.OAuth.Microsoft;

namespace Relay.Tests.OAuth.Microsoft;

public sealed class MicrosoftMailboxClaimTests
{
    private static ClaimsPrincipal Token(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(claim => new Claim(claim.Type, claim.Value))));

    [Fact]
    public void SignInNameNotTheMailboxAddress_TheConfiguredAddressIsTaken_WhenTheTokenNamesItAnywhere()
    {
        // A tenant whose UPN (the sign-in name) is not the mailbox's SMTP address.
        var token = Token(("preferred_username", "jdoe@contoso.onmicrosoft.com"), ("email", "Helpdesk@Contoso.com"));

        Assert.Equal("Helpdesk@Contoso.com", MicrosoftAuthorization.Mailbox(token, "helpdesk@contoso.com"));
        Assert.Equal("Helpdesk@Contoso.com", MicrosoftAuthorization.Mailbox(token)); // no Address configured: the mail address first
        Assert.Equal("jdoe@contoso.onmicrosoft.com", MicrosoftAuthorization.Mailbox(token, "jdoe@contoso.onmicrosoft.com"));
    }

    [Fact]
    public void WithoutAnEmailClaim_ThePreferredUsername_ElseTheUpn_AndNeverAValueWithoutAnAt()
    {
        Assert.Equal("a@contoso.com", MicrosoftAuthorization.Mailbox(Token(("preferred_username", "a@contoso.com"), ("upn", "b@contoso.com"))));
        Assert.Equal("b@contoso.com", MicrosoftAuthorization.Mailbox(Token(("preferred_username", "live.com#someone"), ("upn", "b@contoso.com"))));
        Assert.Null(MicrosoftAuthorization.Mailbox(Token(("name", "Someone"))));
        Assert.Equal("a@contoso.com", MicrosoftAuthorization.Mailbox(Token(("preferred_username", "a@contoso.com")), "other@contoso.com")); // the flow then refuses, naming both
    }
}
