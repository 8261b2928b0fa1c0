using System.CommandLine;
using MimeKit;
using Relay.OAuth;
using Relay.Outbound;
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
        var command = new Command("check", "Check the configuration, the spool, the token, the connection to the upstream (STARTTLS) and the login, each step that can run; sends nothing.");
        command.SetAction((parse, ct) => WithRelayAsync(parse, async (services, report) =>
        {
            var connection = ActivatorUtilities.CreateInstance<GmailConnection>(services);
            await using var _ = connection;
            return await ProbeAsync(services, connection, report, ct);
        }));
        return command;
    }

    public static Command SendTest()
    {
        var to = new Option<string>("--to") { Description = "Where to send the test message.", Required = true };
        var command = new Command("send-test", "Send one message through the real outbound path (rewrite, STARTTLS, XOAUTH2) and print Gmail's reply.") { to };
        command.SetAction((parse, ct) => WithRelayAsync(parse, async (services, report) =>
        {
            var connection = ActivatorUtilities.CreateInstance<GmailConnection>(services);
            await using var _ = connection;
            if (!await ProbeAsync(services, connection, report, ct))
            {
                return false;
            }

            var account = services.GetRequiredService<IAccessTokenSource>().Account!;
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("Relay test", account));
            message.To.Add(MailboxAddress.Parse(parse.GetValue(to)!));
            message.Subject = "Relay test message";
            message.Body = new TextPart("plain") { Text = $"This message was sent by 'relay send-test' at {DateTimeOffset.UtcNow:u}." };
            try
            {
                var raw = new MemoryStream();
                await message.WriteToAsync(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, raw, ct);
                raw.Position = 0;
                var (reply, refused, _, _, _) = await connection.SendAsync(
                    raw, built => FromRewriter.Rewrite(built, account, [], addReplyTo: false), [parse.GetValue(to)!], ct);
                return report(refused.Count == 0, "Test message", refused.Count == 0 ? $"sent to {parse.GetValue(to)}: {reply.ReplaceLineEndings(" ")}" : string.Join("; ", refused));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return report(false, "Test message", DeliveryClassifier.Classify(ex).Reply);
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

    /// <summary>
    /// Spool, account, token refresh, upstream connection (STARTTLS) and login, one line each. Every step that can run
    /// runs, so the route to Gmail can be checked before any account is authorized; a step that needs an earlier one
    /// that failed says SKIP.
    /// </summary>
    private static async Task<bool> ProbeAsync(IServiceProvider services, GmailConnection connection, Func<bool, string, string, bool> report, CancellationToken cancellationToken)
    {
        var ok = services.GetRequiredService<Spool.FileSpool>() is var spool && spool.WriteProbe() is { } notWritable
            ? report(false, "Spool", $"{spool.Root} is not writable ({notWritable}). Give the relay's user write access to Relay:DataPath.")
            : report(true, "Spool", $"{spool.Root} is writable");

        var tokens = services.GetRequiredService<IAccessTokenSource>();
        var account = tokens.Account;
        var tokenOk = false;
        if (account is null)
        {
            ok = report(false, "Account", "no Google account is authorized. Open the web page (its link is in the relay's log) or run 'relay authorize'.") && ok;
            Skip("Token refresh", "no account");
        }
        else
        {
            report(true, "Account", $"{account} ({tokens.Status.Source})");
            try
            {
                _ = tokens is GoogleAccessTokenSource user ? await user.RefreshNowAsync(cancellationToken) : await tokens.GetAccessTokenAsync(cancellationToken);
                tokenOk = report(true, "Token refresh", $"a new access token, valid until {tokens.Status.AccessTokenExpiresAt:u}");
            }
            catch (Exception ex) when (ex is AuthorizationRequiredException or TokenRefreshException or HttpRequestException)
            {
                ok = report(false, "Token refresh", ex.Message);
            }
        }

        var connected = false;
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
            var reason = DeliveryClassifier.Classify(ex).Reply;
            return connected
                ? report(false, "Upstream login (XOAUTH2)", reason)
                : report(false, "Upstream connection", reason + " Check Relay:Outbound:Host and Port, the network, and (for a TLS-inspecting proxy) Relay:Outbound:TrustedCaFile.");
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
