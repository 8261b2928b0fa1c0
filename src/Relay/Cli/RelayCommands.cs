using System.CommandLine;

namespace Relay.Cli;

/// <summary>The <c>relay</c> command line: with no command (or <c>run</c>) it runs the relay; the other commands talk to a running one.</summary>
internal static class RelayCommands
{
    public static RootCommand Create(Func<string[], Task<int>> runRelay)
    {
        var root = new RootCommand("Relay: a local SMTP relay that sends through Gmail / Google Workspace or Microsoft 365 / Outlook.com with OAuth 2.0.");
        root.SetAction((parse, _) => runRelay([]));

        var run = new Command("run", "Run the relay (the default when no command is given).") { TreatUnmatchedTokensAsErrors = false };
        run.SetAction((parse, _) => runRelay([.. parse.UnmatchedTokens]));
        var url = new Option<string?>("--url") { Description = "Web address of the running relay (default: from its configuration, e.g. http://127.0.0.1:8025).", Recursive = true };
        root.Options.Add(url);
        root.Subcommands.Add(run);
        root.Subcommands.Add(QueueCommands.Create(url));
        root.Subcommands.Add(AccountCommands.Authorize(url));
        root.Subcommands.Add(AccountCommands.Revoke(url));

        var hash = new Command("hash-password", "Print the hash of a password read from standard input, for Relay:Inbound:Users:N:PasswordHash.");
        hash.SetAction(_ =>
        {
            var password = Console.In.ReadLine() ?? "";
            Console.WriteLine(Inbound.LocalUsers.Hash(password));
            return 0;
        });
        root.Subcommands.Add(hash);
        var check = DiagnosticCommands.Check();
        check.TreatUnmatchedTokensAsErrors = false;
        root.Subcommands.Add(check);
        var sendTest = DiagnosticCommands.SendTest();
        sendTest.TreatUnmatchedTokensAsErrors = false;
        root.Subcommands.Add(sendTest);
        root.Subcommands.Add(DiagnosticCommands.Health(url));
        return root;
    }

    /// <summary>
    /// Settings given with no command (<c>relay --Relay:Inbound:Port=2526</c>) are for <c>run</c>: the root command takes
    /// none, so its help has no stray "additional arguments".
    /// </summary>
    public static string[] Normalize(string[] args) =>
        args is [var first, ..] && first.StartsWith("--", StringComparison.Ordinal) && first.Contains(':', StringComparison.Ordinal)
            ? ["run", .. args]
            : args;
}
