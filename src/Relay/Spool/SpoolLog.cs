namespace Relay.Spool;

internal static partial class SpoolLog
{
    [LoggerMessage(2001, LogLevel.Information, "Spool at {SpoolPath} holds {Count} message(s) waiting for delivery")]
    public static partial void Recovered(ILogger logger, int count, string spoolPath);

    [LoggerMessage(2002, LogLevel.Error, "Spool entry {SpoolId} could not be read and was moved to {CorruptPath}; the rest of the queue goes on")]
    public static partial void CorruptEntry(ILogger logger, string spoolId, string corruptPath);

    [LoggerMessage(2003, LogLevel.Information, "Spool: {Count} message(s) in {Folder} kept as .eml and .json by an earlier version now have one .entry file each")]
    public static partial void Converted(ILogger logger, int count, string folder);
}
