using System.Text;
using Relay.Inbound;

namespace Relay.Tests.Inbound;

public sealed class SmtpPathTests
{
    private static SmtpPath Parse(string line, bool smtpUtf8 = false) => SmtpPath.Parse(Encoding.UTF8.GetBytes(line + "\r\n"), smtpUtf8);

    [Theory]
    [InlineData("RCPT TO:<\"john doe\"@example.com>", "\"john doe\"@example.com")]
    [InlineData("RCPT TO:<\"a\\\"b\"@example.com>", "\"a\\\"b\"@example.com")]
    [InlineData("RCPT TO:<\"with>bracket\"@example.com>", "\"with>bracket\"@example.com")]
    [InlineData("RCPT TO:<first.last+tag@sub.example.com>", "first.last+tag@sub.example.com")]
    [InlineData("RCPT TO:<user@xn--exmple-cua.com>", "user@xn--exmple-cua.com")]
    [InlineData("RCPT TO:<@relay.example,@other.example:user@example.com>", "user@example.com")]
    [InlineData("rcpt to:<User@Example.COM>", "User@Example.COM")]
    [InlineData("RCPT TO:<user@[192.0.2.1]>", "user@[192.0.2.1]")]
    public void AsciiAddresses_AreKeptAsWritten(string line, string address)
    {
        var path = Parse(line);

        Assert.Null(path.Error);
        Assert.Equal(address, path.Address);
    }

    [Fact]
    public void Utf8Address_WithSmtpUtf8_KeepsItsCharacters()
    {
        Assert.Equal("jöe@exämple.com", Parse("MAIL FROM:<jöe@exämple.com> SMTPUTF8").Address);
        Assert.Equal("jöe@exämple.com", Parse("RCPT TO:<jöe@exämple.com>", smtpUtf8: true).Address);
        Assert.True(Parse("MAIL FROM:<a@b.example> BODY=8BITMIME SMTPUTF8 SIZE=100").SmtpUtf8);
    }

    [Fact]
    public void Utf8Address_WithoutSmtpUtf8_IsRefusedWith5_6_7()
    {
        var path = Parse("RCPT TO:<jöe@exämple.com>");

        Assert.Null(path.Address);
        Assert.StartsWith("553 5.6.7 ", path.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void NullSender_HasNoAddressAndNoError()
    {
        var path = Parse("MAIL FROM:<> BODY=8BITMIME");

        Assert.Null(path.Address);
        Assert.Null(path.Error);
    }

    [Theory]
    [InlineData("RCPT TO:<a@xn--zz-.com>", "553 5.1.3 ")] // not a valid IDNA label
    [InlineData("RCPT TO:<a@exa..mple.com>", "553 5.1.3 ")]
    [InlineData("RCPT TO:<a@-example.com>", "553 5.1.3 ")]
    [InlineData("RCPT TO:<no-domain>", "553 5.1.3 ")]
    [InlineData("RCPT TO:<\"unterminated@example.com>", "501 5.1.3 ")]
    [InlineData("RCPT TO:user@example.com", "501 5.1.3 ")]
    public void UndeliverableAddresses_GetAReplyThatNamesTheProblem(string line, string reply)
    {
        var path = Parse(line);

        Assert.Null(path.Address);
        Assert.StartsWith(reply, path.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void LengthLimits_OfRfc5321_AreEnforced()
    {
        var longLocal = Parse($"RCPT TO:<{new string('a', 65)}@example.com>");
        var longPath = Parse($"RCPT TO:<{new string('a', 60)}@{string.Join('.', Enumerable.Repeat(new string('b', 60), 4))}.com>");
        var fits = Parse($"RCPT TO:<{new string('a', 64)}@example.com>");

        Assert.StartsWith("553 5.1.3 The local part is longer than 64", longLocal.Error, StringComparison.Ordinal);
        Assert.StartsWith("501 5.1.3 The address is longer than 256", longPath.Error, StringComparison.Ordinal);
        Assert.Null(fits.Error);
    }

    [Fact]
    public void InvalidUtf8_IsRefused()
    {
        var path = SmtpPath.Parse([.. "RCPT TO:<a\xff@example.com>\r\n"u8.ToArray().Take(10), 0xFF, .. "@example.com>\r\n"u8.ToArray()]);

        Assert.StartsWith("553 5.1.3 The address is not valid UTF-8", path.Error, StringComparison.Ordinal);
    }
}
