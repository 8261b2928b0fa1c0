namespace Relay.Tests;

public sealed class ClientTextTests
{
    [Theory]
    [InlineData("glpi@example.com", "glpi@example.com")] // nothing to clean: the same text
    [InlineData("Réunion ✓ 日本", "Réunion ✓ 日本")] // printable Unicode stays
    [InlineData("a\u001b[31mred", @"a\x1B[31mred")] // CSI: the ESC is shown, the rest is inert text
    [InlineData("\u001b]0;title\u0007", @"\x1B]0;title\x07")] // OSC ended by BEL
    [InlineData("line\r\nforged", @"line\x0D\x0Aforged")] // a forged log line
    [InlineData("tab\there", @"tab\x09here")]
    [InlineData("nul\0del\u007f", @"nul\x00del\x7F")]
    [InlineData("c1\u009b31m\u0085", @"c1\x9B31m\x85")] // C1: CSI and NEL
    [InlineData("sep\u2028\u2029", @"sep\u2028\u2029")]
    [InlineData("bidi\u202eevil\u2066", @"bidi\u202Eevil\u2066")]
    public void Clean_ShowsControlCharactersAsEscapes(string text, string expected) => Assert.Equal(expected, ClientText.Clean(text));

    [Fact]
    public void CleanOrNull_KeepsNull() => Assert.Null(ClientText.CleanOrNull(null));
}
