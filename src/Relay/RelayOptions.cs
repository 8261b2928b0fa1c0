namespace Relay;

/// <summary>Settings shared by every stage.</summary>
internal sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>The folder that holds the spool (and, later, the token store). Relative paths start at the working folder.</summary>
    public string DataPath { get; set; } = "data";
}
