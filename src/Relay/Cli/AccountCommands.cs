using System.CommandLine;
using Relay.OAuth;
using Relay.Web;

namespace Relay.Cli;

/// <summary><c>relay authorize</c> and <c>relay revoke</c>, done by the running relay through its admin API.</summary>
internal static class AccountCommands
{
    public static Command Authorize(Option<string?> url)
    {
        var clientId = new Option<string?>("--client-id") { Description = "OAuth client ID, or a Microsoft app registration's Application (client) ID (default: the one configured or entered before)." };
        var clientSecret = new Option<string?>("--client-secret") { Description = "OAuth client secret, or a Microsoft client secret value (default: the one configured or entered before)." };
        var replace = new Option<bool>("--replace") { Description = "Allow the consent of another account to replace the one already authorized (whose authorization is then revoked at Google, or forgotten for a Microsoft account)." };
        var account = AccountOption("The relay's account to authorize (its Name in Relay:Accounts; default: the default account).");
        var command = new Command("authorize", "Authorize the Google or Microsoft account Relay sends as: open the printed address in any browser, then paste back the address it sends you to.")
        {
            clientId,
            clientSecret,
            replace,
            account,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(url), async client =>
        {
            var start = await client.PostAsync<AuthorizationStart>("api/authorize/start", new ClientInput(parse.GetValue(clientId), parse.GetValue(clientSecret), parse.GetValue(replace), parse.GetValue(account)), ct);
            Console.WriteLine("Open this address in a browser, sign in as the account Relay is to send as, and allow access:");
            Console.WriteLine();
            Console.WriteLine("  " + start.Url);
            Console.WriteLine();
            Console.WriteLine($"{start.Provider} then sends the browser to {start.RedirectUri}?… When that page does not load (the browser is on");
            Console.WriteLine("another machine), copy the whole address from the address bar and paste it here. Waiting…");

            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // Console.In reads synchronously whatever the method's name: on its own thread, so the wait below runs too.
            var pasted = Task.Run(() => PastedAsync(client, done.Token), done.Token);
            var caught = CaughtAsync(client, start.State, done.Token);
            var result = await await Task.WhenAny(pasted, caught);
            await done.CancelAsync();
            if (!result.Succeeded)
            {
                throw new AdminException(result.Message);
            }

            Console.WriteLine(result.Message);
        }));
        return command;
    }

    public static Command Revoke(Option<string?> url)
    {
        var account = AccountOption("The relay's account to revoke (its Name in Relay:Accounts; default: the default account).");
        var command = new Command("revoke", "Revoke the relay's access at Google and forget the account (Microsoft: forget it; the consent is removed in My Apps or at account.live.com).") { account };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(url), async client =>
        {
            var name = parse.GetValue(account);
            var revoked = await client.PostAsync<RevokeResult>(name is null ? "api/account/revoke" : $"api/account/revoke?account={Uri.EscapeDataString(name)}", null, ct);
            Console.WriteLine($"{revoked.Message} Run 'relay authorize{(name is null ? "" : " --account " + name)}' to authorize an account again.");
        }));
        return command;
    }

    private static Option<string?> AccountOption(string description) => new("--account") { Description = description };

    /// <summary>The address the user pastes (the browser is on another machine).</summary>
    private static async Task<AuthorizationResult> PastedAsync(AdminClient client, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await Console.In.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken); // no input: only the loopback redirect can complete
            }
            else if (line.Trim().Length > 0)
            {
                try
                {
                    return await client.PostAsync<AuthorizationResult>("api/authorize/complete", new PastedUrl(line.Trim()), cancellationToken);
                }
                catch (AdminException ex)
                {
                    return new AuthorizationResult(false, null, ex.Message);
                }
            }
        }
    }

    /// <summary>The relay caught Google's redirect itself (the browser runs where the relay runs).</summary>
    private static async Task<AuthorizationResult> CaughtAsync(AdminClient client, string state, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await client.GetAsync<AuthorizationResult?>($"api/authorize/{Uri.EscapeDataString(state)}/wait", cancellationToken) is { } result)
            {
                return result;
            }
        }
    }
}
