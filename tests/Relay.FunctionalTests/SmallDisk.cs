using System.Diagnostics;

namespace Relay.FunctionalTests;

/// <summary>
/// A tiny tmpfs mounted over a folder, to fill a disk for real. Mounting needs root (CI runs as root); elsewhere the
/// tests that need it are skipped with the reason, see <see cref="SmallDiskFactAttribute"/>.
/// </summary>
internal static class SmallDisk
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Why a tmpfs cannot be mounted here, or null when it can.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    public static void Mount(string folder, string size)
    {
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", folder);
        if (code != 0)
        {
            throw new InvalidOperationException($"mount tmpfs on {folder} failed: {output}");
        }
    }

    public static void Unmount(string folder) => Run("umount", "-l", folder);

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (a tmpfs mount)";
        }

        if (Environment.UserName != "root")
        {
            return "needs root to mount a small tmpfs (CI runs as root); run the suite as root to include it";
        }

        var probe = Directory.CreateTempSubdirectory("relay-tmpfs-probe-").FullName;
        try
        {
            var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe);
            if (code != 0)
            {
                return $"cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?): {output.Trim()}";
            }

            Run("umount", probe);
            return null;
        }
        finally
        {
            Directory.Delete(probe);
        }
    }

    private static (int ExitCode, string Output) Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}

/// <summary>A fact that needs <see cref="SmallDisk"/>: skipped, with the reason, where a tmpfs cannot be mounted.</summary>
internal sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (SmallDisk.WhyUnavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
