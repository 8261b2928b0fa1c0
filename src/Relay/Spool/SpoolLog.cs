namespace Relay.Spool;

internal static partial class SpoolLog
{
    [LoggerMessage(2001, LogLevel.Information, "Spool at {SpoolPath} holds {Count} message(s) waiting for delivery")]
    public static partial void Recovered(ILogger logger, int count, string spoolPath);

    [LoggerMessage(2002, LogLevel.Error, "Spool entry {SpoolId} could not be read and was moved to {CorruptPath}; the rest of the queue goes on")]
    public static partial void CorruptEntry(ILogger logger, string spoolId, string corruptPath);

    [LoggerMessage(2003, LogLevel.Information, "Spool: {Count} message(s) in {Folder} kept as .eml and .json by an earlier version now have one .entry file each")]
    public static partial void Converted(ILogger logger, int count, string folder);

    [LoggerMessage(2004, LogLevel.Error, "Spool: the message kept as {Path} by an earlier version could not be turned into an .entry file ({Error}); it stays as it is, out of the queue, until a start succeeds. Free some space or fix the file's permissions, then restart")]
    public static partial void ConversionFailed(ILogger logger, string path, string error);

    [LoggerMessage(2005, LogLevel.Warning, "Spool entry {SpoolId}: its {Change} could not be written to disk ({Error}); the message is kept, and its file says what it said before")]
    public static partial void UpdateNotWritten(ILogger logger, string spoolId, string change, string error);
}
