using System.CommandLine;
using Relay.Cli;

namespace Relay.Tests.Cli;

public sealed class RelayCommandsTests
{
    [Fact]
    public void Help_ListsTheCommands_WithoutAStrayArgumentsSection()
    {
        using var output = new StringWriter();

        var exitCode = RelayCommands.Create(_ => Task.FromResult(0)).Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output });

        var help = output.ToString();
        Assert.Equal(0, exitCode);
        Assert.Contains(" [command] [options]", help, StringComparison.Ordinal);
        Assert.Contains("queue", help, StringComparison.Ordinal);
        Assert.DoesNotContain("Additional Arguments", help, StringComparison.Ordinal);
        Assert.Equal(help.Count(c => c == '['), help.Count(c => c == ']'));
    }

    [Theory]
    [InlineData(new[] { "--Relay:Inbound:Port=2526" }, new[] { "run", "--Relay:Inbound:Port=2526" })]
    [InlineData(new[] { "queue", "list" }, new[] { "queue", "list" })]
    [InlineData(new[] { "--help" }, new[] { "--help" })]
    [InlineData(new string[0], new string[0])]
    public void SettingsWithoutACommand_AreForRun(string[] args, string[] normalized) =>
        Assert.Equal(normalized, RelayCommands.Normalize(args));

    [Fact]
    public async Task SettingsWithoutACommand_RunTheRelayWithThem()
    {
        string[]? given = null;

        await RelayCommands.Create(args => { given = args; return Task.FromResult(0); }).Parse(RelayCommands.Normalize(["--Relay:Inbound:Port=2526"])).InvokeAsync();

        Assert.Equal(["--Relay:Inbound:Port=2526"], given!);
    }
}

public sealed class CliConfigurationTests
{
    [Fact]
    public void TheCommandsReadTheConfigurationThroughTheHostsPipeline()
    {
        var configuration = RelayApp.Configuration(["--Relay:Web:Port=18025"]);

        Assert.Equal("18025", configuration["Relay:Web:Port"]); // command-line settings: a source only the host's builder had
        Assert.NotNull(configuration["Serilog:MinimumLevel:Default"]); // appsettings.json beside the program
    }
}
