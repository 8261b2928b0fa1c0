namespace Relay.Testing;

/// <summary>The repository's own files (README, compose file, monitoring assets, appsettings) as tests read them.</summary>
public static class RepositoryFiles
{
    /// <summary>The folder holding Relay.sln, found upward from the test's binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathTo(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Relay.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException("Relay.sln not found above " + AppContext.BaseDirectory);
    }
}
