using System.Reflection;
using System.Text.RegularExpressions;
using Relay.Testing;

namespace Relay.Tests;

public sealed partial class ConfigurationReferenceTests
{
    [Fact]
    public void Readme_DocumentsExactlyTheKeysTheOptionsClassesBind()
    {
        var bound = typeof(RelayOptions).Assembly.GetTypes()
            .Select(type => (Type: type, Section: type.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(options => options.Section is not null)
            .SelectMany(options => options.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(property => property.CanWrite)
                .Select(property => $"{options.Section}:{property.Name}"))
            .ToHashSet();

        var documented = KeyRow().Matches(File.ReadAllText(RepositoryFiles.PathTo("README.md"))).Select(match => match.Groups[1].Value).ToHashSet();

        Assert.Empty(bound.Except(documented));
        Assert.Empty(documented.Except(bound));
        Assert.Contains("Relay:Google:RefreshToken", documented);
    }

    [GeneratedRegex(@"^\| `(Relay:[A-Za-z:]+)` \|", RegexOptions.Multiline)]
    private static partial Regex KeyRow();
}
