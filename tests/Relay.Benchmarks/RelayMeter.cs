using System.Diagnostics;
using System.Globalization;

namespace Relay.Benchmarks;

/// <summary>CPU time and memory of the relay process alone, from /proc.</summary>
internal sealed class RelayMeter(int processId)
{
    public TimeSpan CpuTime()
    {
        using var process = Process.GetProcessById(processId);
        return process.TotalProcessorTime; // utime + stime of /proc/<pid>/stat
    }

    /// <summary>Peak resident set size since the process started (<c>VmHWM</c>), in bytes.</summary>
    public long PeakRss() => StatusKilobytes("VmHWM:") * 1024;

    /// <summary>Resident set size now (<c>VmRSS</c>), in bytes.</summary>
    public long Rss() => StatusKilobytes("VmRSS:") * 1024;

    private long StatusKilobytes(string field)
    {
        var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"/proc/{processId}/status has no {field} line.");
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
