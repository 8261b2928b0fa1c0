using System.Text;

namespace Relay.Cli;

/// <summary>
/// Plain columns for a terminal: each as wide as its widest cell, the last one left ragged. Cells are cleaned of control
/// characters (<see cref="ClientText"/>): they hold what clients sent.
/// </summary>
internal static class TextTable
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows.Select(row => (IReadOnlyList<string>)[.. row.Select(ClientText.Clean)]));
        var widths = headers.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            for (var column = 0; column < row.Count; column++)
            {
                text.Append(column == row.Count - 1 ? row[column] : row[column].PadRight(widths[column] + 2));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>5s, 12m, 3h, 4d: precise enough to read a queue at a glance.</summary>
    public static string Duration(TimeSpan span) => span.Duration() switch
    {
        { TotalMinutes: < 1 } d => $"{(int)d.TotalSeconds}s",
        { TotalHours: < 1 } d => $"{(int)d.TotalMinutes}m",
        { TotalDays: < 2 } d => $"{(int)d.TotalHours}h",
        var d => $"{(int)d.TotalDays}d",
    };

    public static string Cut(string? text, int length) =>
        text is null ? "" : text.Length <= length ? text : text[..(length - 1)] + "…";
}
