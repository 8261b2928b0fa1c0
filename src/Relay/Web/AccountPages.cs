using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Spool;
using static Relay.Web.Html;

namespace Relay.Web;

/// <summary>The pages a person uses: status, authorize (button, callback, pasted address), revoke. All need the login.</summary>
internal static class AccountPages
{
    /// <summary>The cookie that ties an authorization started on the page to the browser that started it.</summary>
    public const string FlowCookie = "relay-oauth-flow";

    public static void MapAccountPages(this WebApplication app)
    {
        var pages = app.MapGroup("").RequireAuthorization();
        pages.MapGet("/", Status);
        pages.MapGet("/authorize", (HttpContext context, string? account, AccountSet accounts, IOptions<WebOptions> web) =>
            string.IsNullOrEmpty(account) && accounts.All.Count(a => a.Flow is not null) > 1 ? ChooseAccount(accounts)
            : (string.IsNullOrEmpty(account) ? accounts.All.FirstOrDefault(a => a.Flow is not null) : accounts.Find(account)) is { Flow: not null } found
                ? AuthorizeForm(context, found, accounts.Several, web.Value, null)
            : NoSuchAccount(accounts, account));
        pages.MapPost("/authorize", async (HttpContext context, [FromForm] string? account, [FromForm] string? clientId, [FromForm] string? clientSecret,
            AccountSet accounts, IOptions<WebOptions> web, CancellationToken cancellationToken) =>
        {
            if (accounts.Find(account) is not { Flow: { } flow } found)
            {
                return NoSuchAccount(accounts, account);
            }

            if (ClientFor(found, clientId, clientSecret) is not var (id, secret, entered))
            {
                return AuthorizeForm(context, found, accounts.Several, web.Value, ProviderText.MissingClient(found.Settings));
            }

            var (owner, browserValue) = FlowOwner.NewBrowser();
            var start = await flow.StartAsync(RedirectUri(context, web.Value), id, secret, keepSecret: entered, owner, cancellationToken);
            context.Response.Cookies.Append(FlowCookie, browserValue, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax, // Google's redirect back is a top-level GET: the cookie goes with it
                Secure = context.Request.IsHttps || WebSecurity.SecurePolicy(web.Value) == CookieSecurePolicy.Always,
                MaxAge = AuthorizationFlow.StateLifetime,
                Path = "/oauth",
            });
            return Results.Redirect(start.Url);
        });
        // No sign-in needed here (the browser Google sends back may not hold the relay's cookie: another host name); the
        // flow cookie of the browser that clicked Authorize is, and a flow of relay authorize is handed to that command.
        app.MapGet("/oauth/callback", async (HttpContext context, AccountSet accounts, CancellationToken cancellationToken) =>
        {
            var query = context.Request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
            var state = query.GetValueOrDefault("state");
            var result = await WithFlow(accounts, state, flow => flow.CompleteAsync(query, FlowCaller.Browser(context.Request.Cookies[FlowCookie], callback: true), cancellationToken));
            return Outcome(context, accounts, state, result);
        });
        pages.MapPost("/oauth/paste", async (HttpContext context, [FromForm] string? pastedUrl, AccountSet accounts, CancellationToken cancellationToken) =>
            Outcome(context, accounts, StateIn(pastedUrl ?? ""), await CompletePastedAsync(accounts, pastedUrl ?? "", FlowCaller.Browser(context.Request.Cookies[FlowCookie]), cancellationToken)));
        pages.MapPost("/oauth/confirm", async (HttpContext context, [FromForm] string? state, [FromForm] string? decision, AccountSet accounts, CancellationToken cancellationToken) =>
            Outcome(context, accounts, state, await WithFlow(accounts, state, flow => flow.ConfirmAsync(state ?? "", decision == "replace", FlowCaller.Browser(context.Request.Cookies[FlowCookie]), cancellationToken))));
        pages.MapPost("/revoke", async ([FromForm] string? account, AccountSet accounts, CancellationToken cancellationToken) =>
        {
            if (accounts.Find(account) is not { Flow: not null } found)
            {
                return NoSuchAccount(accounts, account);
            }

            var address = found.Tokens.Account;
            await found.Tokens.RevokeAsync(cancellationToken);
            var what = accounts.Several ? $"Nothing is delivered for the account '{found.Name}' until it is authorized again; the other accounts keep sending." : "Nothing is delivered until an account is authorized again.";
            return Page(accounts.Several ? $"Account {found.Name}: authorization revoked" : "Authorization revoked", Banner("warn", $"{E(ProviderText.Revoked(found.Settings, address))} {E(what)}") +
                $"""<p><a href="{E(AuthorizeLink(found, accounts.Several))}">Authorize {(accounts.Several ? E(found.Name) : "an account")}</a><a href="/">Back to the status page</a></p>""");
        });
    }

    /// <summary>Completes from a pasted address with the flow of the account that issued its state.</summary>
    internal static Task<AuthorizationResult> CompletePastedAsync(AccountSet accounts, string pasted, FlowCaller caller, CancellationToken cancellationToken) =>
        WithFlow(accounts, StateIn(pasted), flow => flow.CompleteFromPastedAsync(pasted, caller, cancellationToken));

    /// <summary>The <c>state</c> of a pasted callback address, if it has one.</summary>
    private static string? StateIn(string pasted) =>
        Uri.TryCreate(pasted.Trim(), UriKind.Absolute, out var url)
        && Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query).TryGetValue("state", out var value) ? value.ToString() : null;

    /// <summary>The flow that issued <paramref name="state"/>; else any flow, which answers that the authorization is unknown or expired.</summary>
    private static Task<AuthorizationResult> WithFlow(AccountSet accounts, string? state, Func<AuthorizationFlow, Task<AuthorizationResult>> act) =>
        (accounts.ForState(state)?.Flow ?? accounts.All.FirstOrDefault(account => account.Flow is not null)?.Flow) is { } flow
            ? act(flow)
            : Task.FromResult(new AuthorizationResult(false, null, "Every account of this relay sends with a service account: there is no authorization to complete here."));

    private static string AuthorizeLink(RelayAccount account, bool several) => several ? $"/authorize?account={Uri.EscapeDataString(account.Name)}" : "/authorize";

    /// <summary>With several accounts, the Authorize link of the menu names none: each account, its state, and its own link.</summary>
    private static IResult ChooseAccount(AccountSet accounts)
    {
        var rows = string.Concat(accounts.All.Select(account => $"""
            <tr><th>{E(account.Name)}</th><td>{E(account.Settings.Address ?? $"any {account.Settings.ProviderName} account")}</td><td>{E(account.Tokens.Status switch
            {
                _ when account.Flow is null => account.Settings.IsMicrosoft ? "app-only: nothing to authorize" : "service account: nothing to authorize",
                { Account: null } => "not authorized yet",
                { Problem: not null } => $"{account.Tokens.Account}: to authorize again",
                _ => $"{account.Tokens.Account}: authorized",
            })}</td><td>{(account.Flow is null ? "" : $"""<a href="{E(AuthorizeLink(account, several: true))}">Authorize {E(account.Name)}</a>""")}</td></tr>
            """));
        return Page("Authorize an account", $"""
            <p>Each account of this relay has its own authorization. Choose the one to authorize; the others are not touched.</p>
            <div class="scroll"><table class="list"><tr><th>Account</th><th>Sends as</th><th>Authorization</th><th></th></tr>{rows}</table></div>
            """);
    }

    private static IResult NoSuchAccount(AccountSet accounts, string? name) => Page("No such account", Banner("bad", E(accounts.Find(name) is { } found
        ? ProviderText.NothingToAuthorize(found.Settings)
        : accounts.NoSuchAccount(name))) +
        """<p><a href="/">Back to the status page</a></p>""", 404);

    /// <summary>
    /// The client to authorize with: what the user typed, else what is already known (stored or configured).
    /// Null when either part is missing. <c>Entered</c> tells whether the secret was typed (and so is to be stored).
    /// </summary>
    internal static (string Id, string Secret, bool Entered)? ClientFor(RelayAccount account, string? clientId, string? clientSecret)
    {
        var (knownId, knownSecret) = account.Flow!.Client;
        var id = string.IsNullOrWhiteSpace(clientId) ? knownId : clientId.Trim();
        if (!string.IsNullOrWhiteSpace(clientSecret))
        {
            return string.IsNullOrEmpty(id) ? null : (id, clientSecret.Trim(), true);
        }

        return string.IsNullOrEmpty(id) || string.IsNullOrEmpty(knownSecret) || id != knownId ? null : (id, knownSecret, false);
    }

    /// <summary>The paste box of an authorize page, for a browser the provider sends back to an address that does not load on its machine.</summary>
    internal static string PasteBack(HttpContext context, string provider, string consent, string redirect) => $"""
        <h2>If {provider}'s page did not come back here</h2>
        <p>After you {consent}, {provider} sends your browser to <code>{E(redirect)}</code>. When the browser is not on the
        machine running Relay, that page does not load ("unable to connect"): that is expected. Copy the whole address from the
        address bar and paste it here.</p>
        <form method="post" action="/oauth/paste">{Antiforgery(context)}
          <p><input type="url" name="pastedUrl" placeholder="http://localhost:8025/oauth/callback?state=…&amp;code=…"></p>
          <button type="submit">Complete the authorization</button>
        </form>
        """;

    /// <summary>
    /// Where Google sends the browser back: the https public address for a Web client; otherwise localhost on the port the
    /// browser used (a Desktop client takes any loopback port, nothing to register). On another machine than the relay
    /// that address does not load, which is what the paste box is for.
    /// </summary>
    internal static string RedirectUri(HttpContext context, WebOptions web) =>
        web.PublicUrl is { Length: > 0 } publicUrl
            ? publicUrl.TrimEnd('/') + "/oauth/callback"
            : $"http://localhost:{context.Request.Host.Port ?? context.Connection.LocalPort}/oauth/callback";

    private static IResult Status(HttpContext context, AccountSet accounts, FileSpool spool, DeliveryEvents events, TimeProvider time, IOptions<MicrosoftOptions> microsoft)
    {
        var recent = events.Recent;
        var several = accounts.Several;
        var rows = recent.Count == 0
            ? $"<tr><td colspan={(several ? 5 : 4)}>No delivery attempt since the relay started.</td></tr>"
            : string.Concat(recent.Select(r => $"<tr><td>{r.At:HH:mm:ss}</td><td><code>{E(r.SpoolId)}</code></td>" +
                (several ? $"<td>{E(r.Account ?? accounts.Default?.Name ?? "-")}</td>" : "") + $"<td>{E(r.Result.ToString())}</td><td>{E(r.Reply)}</td></tr>"));
        return Page("Relay status", $"""
            {string.Concat(accounts.All.Select(account => AccountBlock(context, account, accounts.Several ? Routed(account, ReferenceEquals(account, accounts.Default)) : null, time, microsoft.Value)))}
            <h2>Queue</h2>
            <p><a href="/queue">{spool.Count} waiting</a>, <a href="/queue?state=dead">{spool.DeadCount} dead letter(s)</a></p>
            <h2>Last delivery attempts</h2>
            <table><tr><th>Time (UTC)</th><th>Message</th>{(several ? "<th>Account</th>" : "")}<th>Outcome</th><th>Reply</th></tr>{rows}</table>
            <form method="post" action="/logout">{Antiforgery(context)}<p><button type="submit">Sign out</button></p></form>
            """);
    }

    /// <summary>Which mail goes out as <paramref name="account"/>: its routing rules, in the order the router tries them, then the default.</summary>
    private static string Routed(RelayAccount account, bool isDefault)
    {
        var settings = account.Settings;
        List<string> rules = [];
        if (settings.Users.Count > 0)
        {
            rules.Add("logins " + string.Join(", ", settings.Users));
        }

        if (settings.Senders.Count > 0)
        {
            rules.Add("senders " + string.Join(", ", settings.Senders));
        }

        if (settings.Networks.Count > 0)
        {
            rules.Add("clients in " + string.Join(", ", settings.Networks));
        }

        if (isDefault)
        {
            rules.Add((rules.Count == 0 ? "" : "and ") + "every message no rule routes (the default account)");
        }

        return rules.Count == 0 ? "none: no rule of Relay:Accounts routes mail here, and it is not Relay:Routing:Default" : string.Join("; ", rules);
    }

    /// <summary>
    /// One account on the status page: its banners, authorization, hold and quota, and its own Authorize / Revoke. With
    /// several accounts (<paramref name="routed"/> set) it is a section titled by its name that also says which mail it takes.
    /// </summary>
    private static string AccountBlock(HttpContext context, RelayAccount account, string? routed, TimeProvider time, MicrosoftOptions microsoft)
    {
        var several = routed is not null;
        var usage = account.Quota.Usage;
        var status = account.Tokens.Status;
        var hold = account.Gate.State;
        var authorize = AuthorizeLink(account, several);
        var banners = status switch
        {
            { Account: null } when account.Flow is null => Banner("bad", $"The service account for {E(account.Settings.Address)} is not usable yet."),
            { Account: null } => Banner("warn", $"""No {account.Settings.ProviderName} account is authorized yet{(several ? $" for the account '{E(account.Name)}'" : "")}: mail is accepted and kept in the queue. <a href="{E(authorize)}">Authorize an account</a>."""),
            { Problem: { } problem } => Banner("bad", $"""The account needs to be authorized again: {E(problem)} {(account.Flow is null ? "" : $"""<a href="{E(authorize)}">Authorize again</a>. """)}Mail waits in the queue meanwhile."""),
            _ => "",
        };
        if (hold.Reason == HoldReason.Quota)
        {
            banners += Banner("warn", $"Delivery is on hold: {(account.Settings.IsMicrosoft ? "Exchange Online's" : "Gmail's")} sending limit is reached ({E(hold.Detail)}). It resumes by itself; next try {E(When(hold.NextTryAt, time))}.");
        }

        if (TokenHealth.TestingWarning(account, time) is { } warning)
        {
            banners += Banner("warn", E(warning));
        }

        var title = several ? $"""<section id="account-{E(account.Name)}"><h2>Account {E(account.Name)}</h2>""" : "";
        var revoke = status.Account is null || account.Flow is null ? "" : $"""
              <form method="post" action="/revoke">{Antiforgery(context)}<input type="hidden" name="account" value="{E(account.Name)}">
              <p>{E(ProviderText.RevokeExplained(account.Settings))}</p><button type="submit">Revoke {E(status.Account)}</button></form>
              """;
        var authorizeAction = account.Flow is null || status is { Account: not null, Problem: null } ? "" : $"""<p><a href="{E(authorize)}">Authorize{(several ? $" {E(account.Name)}" : "")}</a></p>""";
        return $"""
            {title}
            {banners}
            <table>
              <tr><th>Account</th><td>{E(status.Account ?? (several && account.Flow is not null && account.Settings.Address is { } address ? $"none yet: sign in to {account.Settings.ProviderName} as {address}" : "none"))}</td></tr>
              {(several ? $"<tr><th>Mail routed here</th><td>{E(routed)}</td></tr>" : "")}
              <tr><th>Sends through</th><td>{E(ProviderText.SendsThrough(account.Settings, microsoft.SmtpHost))}</td></tr>
              <tr><th>Authorization</th><td>{E(status switch { { Account: null } => "none yet: authorize an account", { Problem: not null } => $"re-authorization needed (from {status.Source})", _ => $"valid (from {status.Source})" })}</td></tr>
              <tr><th>Authorized</th><td>{E(When(status.AuthorizedAt, time))}</td></tr>
              <tr><th>Last token refresh</th><td>{E(When(status.LastRefreshAt, time))}</td></tr>
              <tr><th>Access token valid until</th><td>{E(When(status.AccessTokenExpiresAt, time))}</td></tr>
              <tr><th>Delivery</th><td>{E(status.Account is null ? "waiting for an account: mail is kept until one is authorized"
                  : hold.Reason == HoldReason.None ? "running"
                  : $"held until {When(hold.NextTryAt, time)} ({hold.Reason}: {hold.Detail})")}{(hold.Reason == HoldReason.None ? "" : $""" <a href="/queue/release?account={E(Uri.EscapeDataString(account.Name))}">release now</a>""")}</td></tr>
              <tr><th>Sent in the last 24 h</th><td>{usage.Messages} of {usage.MessageLimit} messages, {usage.Recipients} of {usage.RecipientLimit} recipients</td></tr>
            </table>
            {authorizeAction}
            {revoke}
            {(several ? "</section>" : "")}
            """;
    }

    private static IResult AuthorizeForm(HttpContext context, RelayAccount account, bool several, WebOptions web, string? error)
    {
        if (account.Settings.IsMicrosoft)
        {
            return MicrosoftAuthorizePage.Form(context, account, several, RedirectUri(context, web), error);
        }

        var (clientId, clientSecret) = account.Flow!.Client;
        var redirect = RedirectUri(context, web);
        var permission = account.Settings.Transport == Accounts.AccountTransport.GmailApi
            ? "the <code>gmail.send</code> permission (send only: the relay cannot read the mailbox), and sends through the Gmail API"
            : "the <code>https://mail.google.com/</code> permission (the only one Gmail accepts for SMTP)";
        return Page(several ? $"Authorize the account {account.Name}" : "Authorize a Google account", $"""
            {(error is null ? "" : Banner("bad", E(error)))}
            <p>Relay sends {(several ? $"the mail routed to <b>{E(account.Name)}</b>" : "mail")} as the Google account you authorize here, with {permission}.
            You do this once; Relay keeps the authorization, encrypted, and refreshes it itself.</p>
            <form method="post" action="/authorize">{Antiforgery(context)}<input type="hidden" name="account" value="{E(account.Name)}">
              <p><label>OAuth client ID<br><input type="text" name="clientId" value="{E(clientId)}" placeholder="1234-abc.apps.googleusercontent.com"></label></p>
              <p><label>OAuth client secret {(string.IsNullOrEmpty(clientSecret) ? "" : "(leave empty to keep the one already known)")}<br>
                <input type="password" name="clientSecret" autocomplete="off"></label></p>
              <button type="submit" id="authorize">Authorize with Google</button>
            </form>
            {PasteBack(context, "Google", "allow access", redirect)}
            <h2>What can go wrong</h2>
            <table>
              <tr><th>Error 400: redirect_uri_mismatch</th><td>Your client is a <b>Web application</b> client. Use a <b>Desktop app</b> client
                (nothing to register), or register exactly <code>{E(redirect)}</code> in the Web client's Authorized redirect URIs
                (Google takes https only, except for localhost; behind a reverse proxy set <code>Relay:Web:PublicUrl</code>).</td></tr>
              <tr><th>Error 403: access_denied</th><td>The consent screen is in <i>Testing</i> and this account is not a test user:
                add it under <i>Audience → Test users</i>, or publish the app.</td></tr>
              <tr><th>No refresh token</th><td>Remove the app at <a href="https://myaccount.google.com/permissions">myaccount.google.com/permissions</a>
                and authorize again.</td></tr>
              <tr><th>Wrong account</th><td>Relay sends as the account's configured address (<code>Relay:Account:Address</code>, or <code>Address</code> in its <code>Relay:Accounts</code> entry) when it is set; sign in to Google as that account.</td></tr>
              <tr><th>It stops after 7 days</th><td>An app whose consent screen is in <i>Testing</i> gets tokens that die after a week.
                Publish it (<i>In production</i>, or use <i>Internal</i> in Google Workspace), then authorize again.</td></tr>
            </table>
            """);
    }

    /// <summary>
    /// The page after a callback, a pasted address or a confirmation. With several accounts it names the account whose flow
    /// issued <paramref name="state"/>, and Try again leads back to that account's form.
    /// </summary>
    private static IResult Outcome(HttpContext context, AccountSet accounts, string? state, AuthorizationResult result)
    {
        var name = accounts.Several ? accounts.ForState(state)?.Name : null;
        var message = result.Message;
        return result switch
        {
            { Succeeded: true } => Page(name is null ? "Authorized" : $"Account {name} authorized", Banner("ok", E(message)) + """<p><a href="/">Back to the status page</a></p>"""),
            { HandedOver: true } => Page("Back to the terminal", Banner("ok", E(message))),
            { ConfirmState: { } confirm } when context.User.Identity?.IsAuthenticated == true => Page(name is null ? "Replace the authorized account?" : $"Replace the authorized account of {name}?", $"""
                {Banner("warn", E(message))}
                <form method="post" action="/oauth/confirm">{Antiforgery(context)}
                  <input type="hidden" name="state" value="{E(confirm)}">
                  <p><button type="submit" name="decision" value="replace" id="replace">Replace it by {E(result.Account)}</button>
                  <button type="submit" name="decision" value="keep" id="keep">Keep the current account</button></p>
                </form>
                """),
            { ConfirmState: not null } => Page("Sign in to confirm", Banner("warn", E(message)) +
                """<p>Only a signed-in operator can confirm this: <a href="/login">sign in</a> in this browser, then authorize again.</p>""", 400),
            _ => Page(name is null ? "Authorization failed" : $"Authorization of {name} failed", Banner("bad", E(message)) +
                $"""<p><a href="{E(name is null ? "/authorize" : $"/authorize?account={Uri.EscapeDataString(name)}")}">Try again</a></p>""", 400),
        };
    }
}
