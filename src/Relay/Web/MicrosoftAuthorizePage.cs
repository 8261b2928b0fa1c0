using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth.Microsoft;
using static Relay.Web.Html;

namespace Relay.Web;

/// <summary>The authorize page of a Microsoft account: the Entra ID app registration's client, the paste-back, and what can go wrong.</summary>
internal static class MicrosoftAuthorizePage
{
    public static IResult Form(HttpContext context, RelayAccount account, bool several, string redirect, string? error)
    {
        var settings = account.Settings;
        var (clientId, clientSecret) = account.Flow!.Client;
        var permissions = settings.Transport == AccountTransport.Graph
            ? $"the delegated permission <code>Mail.Send</code> of Microsoft Graph{(settings.LargeMessagesBySmtp ? " (and <code>SMTP.Send</code>, listed under Microsoft Graph too, for messages too large for Graph)" : "")}, and sends through Graph"
            : $"the delegated permission <code>SMTP.Send</code> (listed under Microsoft Graph in the portal), and sends through {E(context.RequestServices.GetRequiredService<IOptions<OAuth.MicrosoftOptions>>().Value.SmtpHost)}";
        var who = settings.Tenant switch
        {
            "consumers" => "an Outlook.com (personal Microsoft) account",
            "organizations" => "a work or school (Microsoft 365) account",
            "common" => "a work, school or Outlook.com account",
            var tenant => $"an account of the organisation {tenant}",
        };
        return Page(several ? $"Authorize the account {account.Name}" : "Authorize a Microsoft account", $"""
            {(error is null ? "" : Banner("bad", E(error)))}
            <p>Relay sends {(several ? $"the mail routed to <b>{E(account.Name)}</b>" : "mail")} as the Microsoft mailbox you sign in with here ({E(who)}{(settings.Address is { } address ? $": {E(address)}" : "")}),
            with {permissions}. You do this once; Relay keeps the authorization, encrypted, and refreshes it itself.</p>
            <form method="post" action="/authorize">{Antiforgery(context)}<input type="hidden" name="account" value="{E(account.Name)}">
              <p><label>Application (client) ID<br><input type="text" name="clientId" value="{E(clientId)}" placeholder="00000000-0000-0000-0000-000000000000"></label></p>
              <p><label>Client secret value {(string.IsNullOrEmpty(clientSecret) ? "" : "(leave empty to keep the one already known)")}<br>
                <input type="password" name="clientSecret" autocomplete="off"></label></p>
              <button type="submit" id="authorize">Sign in with Microsoft</button>
            </form>
            {AccountPages.PasteBack(context, "Microsoft", "accept", redirect)}
            <h2>The app registration (Entra ID)</h2>
            <p>Entra ID → App registrations → New registration. Under <i>Authentication</i>, add the <b>Web</b> platform with exactly
            <code>{E(redirect)}</code> as redirect URI (Microsoft takes http only for localhost; behind a reverse proxy set
            <code>Relay:Web:PublicUrl</code>). Under <i>Certificates &amp; secrets</i>, make a client secret and copy its <b>Value</b>.
            Under <i>API permissions</i>, add the delegated permission {(settings.Transport == AccountTransport.Graph ? "Microsoft Graph → <code>Mail.Send</code>" + (settings.LargeMessagesBySmtp ? " and <code>SMTP.Send</code>" : "") : "Microsoft Graph → <code>SMTP.Send</code>")}
            (<code>offline_access</code>, <code>openid</code> and <code>profile</code> are asked for too).</p>
            <h2>What can go wrong</h2>
            <table>
              <tr><th>AADSTS50011 (redirect URI)</th><td>Register exactly <code>{E(redirect)}</code> under the app's Web platform.</td></tr>
              <tr><th>AADSTS7000215 (invalid client secret)</th><td>Give the secret's <b>Value</b>, not its Secret ID; a secret that expired must be replaced by a new one.</td></tr>
              <tr><th>AADSTS65001, AADSTS90094 (consent)</th><td>Your organisation lets only administrators consent: an administrator opens the app's
                <i>API permissions</i> and clicks <i>Grant admin consent</i>.</td></tr>
              <tr><th>AADSTS700016 (application not found)</th><td>The client ID is not an app of this tenant, or the app's supported account types leave
                this kind of account out (Outlook.com needs "personal Microsoft accounts" and <code>Tenant</code> <code>consumers</code> or <code>common</code>).</td></tr>
              <tr><th>Wrong account</th><td>Relay sends as the account's <code>Address</code> in its <code>Relay:Accounts</code> entry when it is set; sign in to Microsoft as that mailbox.</td></tr>
              <tr><th>Revoking</th><td>{E(MicrosoftWords.RemoveConsent)}.</td></tr>
            </table>
            """);
    }
}
