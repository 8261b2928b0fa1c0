using System.Reflection;
using System.Text.RegularExpressions;

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

        var documented = KeyRow().Matches(File.ReadAllText(FindReadme())).Select(match => match.Groups[1].Value).ToHashSet();

        Assert.Empty(bound.Except(documented));
        Assert.Empty(documented.Except(bound));
        Assert.Contains("Relay:Google:RefreshToken", documented);
    }

    private static string FindReadme()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var readme = Path.Combine(folder.FullName, "README.md");
            if (File.Exists(readme) && File.Exists(Path.Combine(folder.FullName, "Relay.sln")))
            {
                return readme;
            }
        }

        throw new FileNotFoundException("README.md beside Relay.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\| `(Relay:[A-Za-z:]+)` \|", RegexOptions.Multiline)]
    private static partial Regex KeyRow();
}
