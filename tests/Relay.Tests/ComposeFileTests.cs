using System.Text.RegularExpressions;
using Relay.Testing;

namespace Relay.Tests;

/// <summary>docker-compose.yml publishes nothing beyond this host unless the operator chooses an address.</summary>
public sealed partial class ComposeFileTests
{
    private const string SmtpBind = "${RELAY_SMTP_BIND:-127.0.0.1}";

    [Fact]
    public void EveryPublishedPort_IsBoundToLoopback_OrToRelaySmtpBindDefaultingToLoopback()
    {
        var published = PublishedPorts(File.ReadAllLines(RepositoryFiles.PathTo("docker-compose.yml")));

        Assert.NotEmpty(published);
        Assert.Contains(published, port => port.StartsWith(SmtpBind + ":", StringComparison.Ordinal));
        Assert.All(published, port => Assert.True(
            port.StartsWith("127.0.0.1:", StringComparison.Ordinal) || port.StartsWith(SmtpBind + ":", StringComparison.Ordinal),
            $"'{port}' is published on every address of the host: bind it to 127.0.0.1 or to {SmtpBind}"));
    }

    [Fact]
    public void PublishedAddress_FollowsTheSmtpBind()
    {
        var compose = File.ReadAllText(RepositoryFiles.PathTo("docker-compose.yml"));

        Assert.Matches(@"(?m)^\s+Relay__Inbound__PublishedAddress: \$\{RELAY_SMTP_BIND:-127\.0\.0\.1\}\s*$", compose);
    }

    /// <summary>The entries of every uncommented <c>ports:</c> list, block (<c>- "a:b"</c>) or flow (<c>["a:b"]</c>) style.</summary>
    private static List<string> PublishedPorts(string[] lines)
    {
        var ports = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var key = PortsKey().Match(lines[i]);
            if (!key.Success)
            {
                continue;
            }

            if (key.Groups["flow"].Success)
            {
                ports.AddRange(key.Groups["flow"].Value.Split(',').Select(Unquote).Where(entry => entry.Length > 0));
                continue;
            }

            var indent = key.Groups["indent"].Length;
            for (i++; i < lines.Length; i++)
            {
                var text = lines[i].TrimStart();
                if (text.Length == 0 || text.StartsWith('#'))
                {
                    continue;
                }

                if (lines[i].Length - text.Length <= indent && !text.StartsWith('-'))
                {
                    i--;
                    break;
                }

                ports.Add(Unquote(text.TrimStart('-').Split(" #")[0]));
            }
        }

        return ports;
    }

    private static string Unquote(string entry) => entry.Trim().Trim('"', '\'');

    [GeneratedRegex(@"^(?<indent>\s*)ports:\s*(\[(?<flow>[^\]]*)\])?\s*(#.*)?$")]
    private static partial Regex PortsKey();
}
