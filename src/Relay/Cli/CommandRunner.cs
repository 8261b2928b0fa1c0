namespace Relay.Cli;

internal static class CommandRunner
{
    /// <summary>Runs a command against the running relay: 0 when it worked, 1 with the reason on stderr when not.</summary>
    public static async Task<int> RunAsync(string? url, Func<AdminClient, Task> action)
    {
        try
        {
            using var client = AdminClient.Create(url);
            await action(client);
            return 0;
        }
        catch (AdminException ex)
        {
            await Console.Error.WriteLineAsync(ClientText.Clean(ex.Message)); // may quote the relay's reply
            return 1;
        }
    }
}
