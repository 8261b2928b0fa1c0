using System.CommandLine;
using MimeKit;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Outbound.GmailApi;
using Relay.Outbound.Graph;
using Relay.Rewrite;

namespace Relay.Cli;

/// <summary>
/// <c>relay check</c>, <c>relay send-test</c> and <c>relay health</c>: run next to the relay with its configuration
/// (in Docker: <c>docker compose exec relay relay check</c>), each step printed with OK or FAIL and the fix.
/// </summary>
internal static class DiagnosticCommands
{
    public static Command Check()
    {
        var account = AccountOption("Check only this account of the relay (its Name in Relay:Accounts); default: every account.");
        var command = new Command("check", "Check the configuration, the spool, and for each account the token, then the connection to the upstream (STARTTLS) and the login, or for a Gmail API account the API and the token's sending scope (an empty send), each step that can run; sends nothing.") { account };
        command.SetAction((parse, ct) => WithRelayAsync(parse, async (services, report) =>
        {
            var ok = SpoolProbe(services, report);
            var accounts = services.GetRequiredService<AccountSet>();
            foreach (var relayAccount in Chosen(accounts, parse.GetValue(account), report))
            {
                if (accounts.Several)
                {
                    Console.WriteLine($"Account {relayAccount.Name} ({relayAccount.Settings.Transport}):");
                }

                ok = await ProbeAsync(services, relayAccount, report, ct) && ok;
            }

            return ok;
        }));
        return command;
    }

    public static Command SendTest()
    {
        var to = new Option<string>("--to") { Description = "Where to send the test message.", Required = true };
        var account = AccountOption("Send as this account of the relay (its Name in Relay:Accounts); default: the default account.");
        var command = new Command("send-test", "Send one test message as the account (over STARTTLS and XOAUTH2, or through the Gmail API), after the checks of 'relay check', and print the reply.") { to, account };
        command.SetAction((parse, ct) => WithRelayAsync(parse, async (services, report) =>
        {
            var accounts = services.GetRequiredService<AccountSet>();
            if ((parse.GetValue(account) ?? accounts.Default?.Name) is not { } name)
            {
                return report(false, "Account", accounts.NoSuchAccount(null, " with --account"));
            }

            if (Chosen(accounts, name, report).FirstOrDefault() is not { } relayAccount)
            {
                return false;
            }

            var spoolOk = SpoolProbe(services, report); // every check runs and says what it found, then the send if all passed
            if (!await ProbeAsync(services, relayAccount, report, ct) || !spoolOk)
            {
                return false;
            }

            var sender = relayAccount.Tokens.Account!;
            var recipient = parse.GetValue(to)!;
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("Relay test", sender));
            message.To.Add(MailboxAddress.Parse(recipient));
            message.Subject = "Relay test message";
            message.Body = new TextPart("plain") { Text = $"This message was sent by 'relay send-test' at {DateTimeOffset.UtcNow:u}." };
            var format = new FormatOptions { NewLineFormat = NewLineFormat.Dos };
            try
            {
                if (relayAccount.Settings.Transport == AccountTransport.Graph)
                {
                    var mime = new MemoryStream();
                    await message.WriteToAsync(format, mime, ct);
                    var accepted = await services.GetRequiredService<GraphSender>().SendAsync(
                        relayAccount.Tokens, sender, (stream, token) => stream.WriteAsync(mime.GetBuffer().AsMemory(0, (int)mime.Length), token).AsTask(), mime.Length, relayAccount.Settings.AppOnly, ct);
                    return report(accepted.AcceptedStatus is not null, "Test message", $"to {recipient}: {accepted.Outcome.Reply}");
                }

                if (relayAccount.Settings.Transport == AccountTransport.GmailApi)
                {
                    var sent = await services.GetRequiredService<GmailApiSender>().SendAsync(relayAccount.Tokens, (stream, token) => message.WriteToAsync(format, stream, token), null, ct);
                    return report(sent.GmailId is not null, "Test message", $"to {recipient}: {sent.Outcome.Reply}");
                }

                await using var connection = ActivatorUtilities.CreateInstance<GmailConnection>(services, relayAccount.Tokens, relayAccount.Settings.Provider);
                var raw = new MemoryStream();
                await message.WriteToAsync(format, raw, ct);
                raw.Position = 0;
                var (reply, refused, _, _, _) = await connection.SendAsync(
                    raw, built => FromRewriter.Rewrite(built, sender, [], addReplyTo: false), [recipient], ct);
                return report(refused.Count == 0, "Test message", refused.Count == 0 ? $"sent to {recipient}: {reply.ReplaceLineEndings(" ")}" : string.Join("; ", refused));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return report(false, "Test message", DeliveryClassifier.Classify(ex, relayAccount.Settings.Provider).Reply);
            }
        }));
        return command;
    }

    public static Command Health(Option<string?> url)
    {
        var ready = new Option<bool>("--ready") { Description = "Check readiness (/readyz: spool writable, token usable, not held) instead of liveness (/healthz)." };
        var command = new Command("health", "Ask the running relay whether it is alive (exit code 0) or, with --ready, ready; for Docker's HEALTHCHECK.") { ready };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                var response = await http.GetAsync(new Uri(AdminClient.BaseAddress(parse.GetValue(url)), parse.GetValue(ready) ? "readyz" : "healthz"), ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                Console.WriteLine(string.Join(Environment.NewLine, body.ReplaceLineEndings("\n").Split('\n').Select(ClientText.Clean)));
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"The relay does not answer ({ex.Message}).");
                return 1;
            }
        });
        return command;
    }

    private static Option<string?> AccountOption(string description) => new("--account") { Description = description };

    /// <summary>The accounts to look at: the one named, or every account; an unknown name is reported.</summary>
    private static IReadOnlyList<RelayAccount> Chosen(AccountSet accounts, string? name, Func<bool, string, string, bool> report)
    {
        if (name is null)
        {
            return accounts.All;
        }

        if (accounts.Find(name) is { } found)
        {
            return [found];
        }

        report(false, "Account", accounts.NoSuchAccount(name));
        return [];
    }

    private static bool SpoolProbe(IServiceProvider services, Func<bool, string, string, bool> report) =>
        services.GetRequiredService<Spool.FileSpool>() is var spool && spool.WriteProbe() is { } notWritable
            ? report(false, "Spool", $"{spool.Root} is not writable ({notWritable}). Give the relay's user write access to Relay:DataPath.")
            : report(true, "Spool", $"{spool.Root} is writable");

    /// <summary>
    /// One account: its authorization, a token refresh, and for SMTP the upstream connection (STARTTLS) and login, one
    /// line each. Every step that can run runs, so the route to Gmail can be checked before any account is authorized;
    /// a step that needs an earlier one that failed says SKIP.
    /// </summary>
    private static async Task<bool> ProbeAsync(IServiceProvider services, RelayAccount relayAccount, Func<bool, string, string, bool> report, CancellationToken cancellationToken)
    {
        var ok = true;
        var tokens = relayAccount.Tokens;
        var account = tokens.Account;
        var tokenOk = false;
        if (account is null)
        {
            ok = report(false, "Account", $"no {relayAccount.Settings.ProviderName} account is authorized. Open the web page (its link is in the relay's log) or run '{relayAccount.Settings.AuthorizeCommand}'.");
            Skip("Token refresh", "no account");
        }
        else
        {
            report(true, "Account", $"{account} ({tokens.Status.Source})");
            try
            {
                _ = await tokens.RefreshNowAsync(cancellationToken);
                tokenOk = report(true, "Token refresh", $"a new access token, valid until {tokens.Status.AccessTokenExpiresAt:u}");
            }
            catch (Exception ex) when (ex is AuthorizationRequiredException or TokenRefreshException or HttpRequestException)
            {
                ok = report(false, "Token refresh", ex.Message);
            }
        }

        if (relayAccount.Settings.Transport == AccountTransport.GmailApi)
        {
            if (!tokenOk)
            {
                Skip("Gmail API (reachable, token takes gmail.send)", "no usable token");
                return false;
            }

            // gmail.send allows no call but sending: an empty send checks the route, the token and its scope, and sends nothing.
            var (apiOk, detail) = await services.GetRequiredService<GmailApiSender>().ProbeAsync(tokens, cancellationToken);
            return report(apiOk, "Gmail API", detail) && ok;
        }

        if (relayAccount.Settings.Transport == AccountTransport.Graph)
        {
            // Mail.Send allows no call but sending, and Graph's answer to an empty send is not documented: nothing to probe safely.
            Skip("Microsoft Graph", "send-only access allows no check without sending; 'relay send-test' sends one message");
            return ok && tokenOk;
        }

        var connected = false;
        await using var connection = ActivatorUtilities.CreateInstance<GmailConnection>(services, tokens, relayAccount.Settings.Provider);
        try
        {
            await connection.ProbeAsync(detail => connected = report(true, "Upstream connection", detail), login: tokenOk, cancellationToken);
            if (!tokenOk)
            {
                Skip("Upstream login (XOAUTH2)", "no usable token");
                return false;
            }

            return report(true, "Upstream login (XOAUTH2)", $"accepted for {account}") && ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = DeliveryClassifier.Classify(ex, relayAccount.Settings.Provider).Reply;
            return connected
                ? report(false, "Upstream login (XOAUTH2)", reason)
                : report(false, "Upstream connection", reason + (relayAccount.Settings.IsMicrosoft ? " Check Relay:Microsoft:SmtpHost and SmtpPort" : " Check Relay:Outbound:Host and Port") +
                    ", the network, and (for a TLS-inspecting proxy) Relay:Outbound:TrustedCaFile.");
        }

        static void Skip(string step, string why) => Console.WriteLine($"SKIP  {step}: {why}");
    }

    /// <summary>Builds the relay's services from its configuration (without starting it) and runs <paramref name="steps"/>.</summary>
    private static async Task<int> WithRelayAsync(ParseResult parse, Func<IServiceProvider, Func<bool, string, string, bool>, Task<bool>> steps)
    {
        static bool Report(bool ok, string step, string detail)
        {
            // Line by line: a configuration report has several; an upstream reply may quote control characters.
            Console.WriteLine($"{(ok ? "OK  " : "FAIL")}  {step}: {string.Join(Environment.NewLine, detail.Split(Environment.NewLine).Select(ClientText.Clean))}");
            return ok;
        }

        WebApplication app;
        try
        {
            app = RelayApp.Build([.. parse.UnmatchedTokens], builder => builder.Configuration["Serilog:MinimumLevel:Default"] = "Warning", serve: false);
        }
        catch (Exception ex) when (ConfigurationErrors.From(ex) is { Count: > 0 } errors)
        {
            Report(false, "Configuration", string.Concat(errors.Select(error => Environment.NewLine + "      - " + error)));
            return 2;
        }

        await using (app)
        {
            Report(true, "Configuration", "valid");
            app.Services.GetRequiredService<StartupSequence>().Run(serving: false);
            return await steps(app.Services, Report) ? 0 : 1;
        }
    }
}
