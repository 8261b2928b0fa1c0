using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Relay.OAuth;

/// <summary>
/// The outcome of an authorization, in words for the person doing it. <paramref name="ConfirmState"/> is set when the
/// consent was for another account than the authorized one and waits for the operator to confirm the replacement;
/// <paramref name="HandedOver"/> when Google's redirect for a <c>relay authorize</c> flow was passed to that command.
/// </summary>
internal sealed record AuthorizationResult(bool Succeeded, string? Account, string Message, string? ConfirmState = null, bool HandedOver = false);

/// <summary>A started authorization: where to send the browser, and the one-time state that comes back with the code.</summary>
internal sealed record AuthorizationStart(string Url, string State, string RedirectUri);

/// <summary>
/// Google's authorization-code flow with PKCE (S256), <c>access_type=offline</c> and <c>prompt=consent</c> (so a refresh
/// token comes back every time), scopes <c>openid email</c> and the account's Gmail scope (<c>https://mail.google.com/</c>
/// for SMTP, <c>gmail.send</c> for the Gmail API; the Google account is read from the ID token, not typed). One flow per
/// account of the relay. The <c>state</c> is random, single-use and expires after ten minutes. Each way a user can fail is
/// turned into a sentence that says what to do. A flow can only be finished by who started it (<see cref="FlowOwner"/>),
/// and a consent for another account than the authorized one replaces it only once the operator confirms; the replaced
/// authorization is then revoked at Google.
/// </summary>
internal sealed class AuthorizationFlow(
    IOptions<GoogleOptions> google,
    GoogleAccessTokenSource tokens,
    TimeProvider time,
    ILogger<AuthorizationFlow> logger)
{
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);
    private readonly string[] _scopes = [tokens.Settings.Scope, "openid", "email"];

    /// <summary>The client id and secret for a new authorization: those entered on the page last time, else configuration.</summary>
    public (string? ClientId, string? ClientSecret) Client => tokens.Client;

    /// <summary>Whether <paramref name="state"/> was issued by this flow and may still be finished or confirmed here.</summary>
    public bool Knows(string state) => _pending.ContainsKey(state) || _unconfirmed.ContainsKey(state) || _finished.ContainsKey(state);

    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _claimed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AuthorizationResult> _finished = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Unconfirmed> _unconfirmed = new(StringComparer.Ordinal);

    /// <param name="clientSecret">The secret to use.</param>
    /// <param name="keepSecret">True when it was entered by the user (then it is stored, encrypted, with the token); false when it comes from configuration.</param>
    /// <param name="owner">Who started it: only they can finish it.</param>
    public AuthorizationStart Start(string redirectUri, string clientId, string clientSecret, bool keepSecret, FlowOwner owner)
    {
        foreach (var expired in _pending.Where(p => p.Value.ExpiresAt <= time.GetUtcNow()).ToList())
        {
            _pending.TryRemove(expired.Key, out _);
        }

        foreach (var expired in _unconfirmed.Where(p => p.Value.ExpiresAt <= time.GetUtcNow()).ToList())
        {
            _unconfirmed.TryRemove(expired.Key, out _);
        }

        _finished.Clear(); // results are only kept for whoever waits on a flow in progress

        var flow = Flow(clientId, clientSecret);
        var request = flow.CreateAuthorizationCodeRequest(redirectUri, out var codeVerifier);
        var state = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(24));
        request.State = state;
        _pending[state] = new Pending(codeVerifier, redirectUri, clientId, clientSecret, keepSecret, owner, time.GetUtcNow() + StateLifetime,
            new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
        return new AuthorizationStart(request.Build().AbsoluteUri, state, redirectUri);
    }

    /// <summary>
    /// For a flow the admin API started (<c>relay authorize</c>): waits up to <paramref name="timeout"/> for it to be
    /// finished, by a pasted address or by Google's redirect reaching <c>/oauth/callback</c> (then completes it here). The
    /// answer says whether the state is known at all (never issued, or long expired: not), and the result once there is one.
    /// </summary>
    public async Task<FlowWait> WaitAsync(string state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_finished.TryGetValue(state, out var finished))
        {
            return new FlowWait(true, finished);
        }

        if (!_pending.TryGetValue(state, out var pending))
        {
            return FlowWait.Unknown;
        }

        try
        {
            var first = await Task.WhenAny(pending.Done.Task, pending.Caught.Task).WaitAsync(timeout, time, cancellationToken);
            if (first == pending.Done.Task)
            {
                return new FlowWait(true, await pending.Done.Task);
            }

            return new FlowWait(true, _finished.TryGetValue(state, out var done) ? done : await CompleteAsync(await pending.Caught.Task, FlowCaller.AdminApi, cancellationToken));
        }
        catch (TimeoutException)
        {
            return new FlowWait(true, null);
        }
    }

    /// <summary>Completes from the address Google sent the browser back to, pasted by the user.</summary>
    public Task<AuthorizationResult> CompleteFromPastedAsync(string pasted, FlowCaller caller, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(pasted.Trim(), UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Query))
        {
            return Task.FromResult(Failure(
                "That is not the address Google sent you back to. After you allowed access, copy the whole address from the browser's " +
                "address bar (it starts with http://localhost and contains code= and state=) and paste it here, even if the page did not load."));
        }

        var query = QueryHelpers.ParseQuery(url.Query).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
        return CompleteAsync(query, caller, cancellationToken);
    }

    /// <summary>
    /// Completes from the callback's query (<c>code</c>, <c>state</c>, or <c>error</c>), when <paramref name="caller"/>
    /// started the flow. Google's redirect for a flow of the admin API is handed to the command waiting on it.
    /// </summary>
    public async Task<AuthorizationResult> CompleteAsync(IReadOnlyDictionary<string, string> query, FlowCaller caller, CancellationToken cancellationToken)
    {
        if (!query.TryGetValue("state", out var state) || !_pending.TryGetValue(state, out var pending) || pending.ExpiresAt <= time.GetUtcNow())
        {
            return Failure("This authorization is unknown, has expired (after 10 minutes) or was already used. Start again from the Authorize button.");
        }

        if (!pending.Owner.Admits(caller))
        {
            if (!pending.Owner.IsBrowser && caller.Callback && pending.Caught.TrySetResult(query))
            {
                return new AuthorizationResult(false, null,
                    "Google's answer reached the relay. The 'relay authorize' command that started this authorization finishes it: look at its terminal. You can close this page.",
                    HandedOver: true);
            }

            OAuthLog.ForeignCaller(logger, pending.Owner.IsBrowser ? "a browser" : "relay authorize");
            return Failure(pending.Owner.IsBrowser
                ? "This authorization was started in another browser (or this browser's cookie for it has expired): it can only be finished there. Start again from the Authorize button in this browser."
                : "This authorization was started by 'relay authorize': paste the address into that command, not into the page.");
        }

        // Claimed, not removed, while the code is exchanged: a 'relay authorize' waiting on this state meanwhile must find
        // it (and get its result), not be told it is unknown.
        if (!_claimed.TryAdd(state, true))
        {
            return Failure("This authorization was already used. Start again from the Authorize button.");
        }

        AuthorizationResult result;
        try
        {
            result = await ExchangeAsync(query, state, pending, cancellationToken);
        }
        catch
        {
            _claimed.TryRemove(state, out _);
            throw;
        }

        _finished[state] = result;
        pending.Done.TrySetResult(result);
        _pending.TryRemove(state, out _);
        _claimed.TryRemove(state, out _);
        if (result.Succeeded)
        {
            OAuthLog.AuthorizationCompleted(logger, result.Account!);
        }
        else if (result.ConfirmState is null)
        {
            OAuthLog.AuthorizationFailed(logger, result.Message);
        }

        return result;
    }

    /// <summary>
    /// The operator's answer to "replace the authorized account?" for a consent that waits on it: replace (and revoke the
    /// replaced authorization at Google), or keep the current one (and revoke the new, unused one).
    /// </summary>
    public async Task<AuthorizationResult> ConfirmAsync(string state, bool replace, FlowCaller caller, CancellationToken cancellationToken)
    {
        if (!_unconfirmed.TryGetValue(state, out var waiting) || waiting.ExpiresAt <= time.GetUtcNow() || !waiting.Owner.Admits(caller)
            || !_unconfirmed.TryRemove(state, out _))
        {
            return Failure("There is no replacement waiting for this browser's confirmation (it expires after 10 minutes). Start again from the Authorize button.");
        }

        if (replace)
        {
            return await StoreAsync(waiting.Authorization, cancellationToken);
        }

        await RevokeUnusedAsync(waiting.Authorization, cancellationToken);
        return Failure($"Nothing changed: the relay still sends as {tokens.Account ?? "no account"}. The authorization for {waiting.Authorization.Account} was revoked at Google.");
    }

    private async Task<AuthorizationResult> ExchangeAsync(IReadOnlyDictionary<string, string> query, string state, Pending pending, CancellationToken cancellationToken)
    {
        if (query.TryGetValue("error", out var error))
        {
            return Failure(error == "access_denied"
                ? "Google reports that access was denied. Either you clicked Cancel, or the app's consent screen is in Testing and this " +
                  "account is not one of its test users: add it under Audience → Test users, or publish the app (In production)."
                : $"Google reports an error: {error}. Start again; if it persists, check the OAuth client in the Google Cloud console.");
        }

        if (!query.TryGetValue("code", out var code) || code.Length == 0)
        {
            return Failure("The address has no authorization code. Copy the whole address of the page Google sent you back to.");
        }

        TokenResponse token;
        try
        {
            token = await Flow(pending.ClientId, pending.ClientSecret)
                .ExchangeCodeForTokenAsync("relay", code, pending.CodeVerifier, pending.RedirectUri, cancellationToken);
        }
        catch (TokenResponseException ex)
        {
            return Failure(ex.Error?.Error switch
            {
                "invalid_grant" => "Google refused the authorization code (it expires within minutes and works once). Start again.",
                "redirect_uri_mismatch" => $"Google refused the redirect address {pending.RedirectUri}. Use a Desktop client, or register exactly this address in the Web client.",
                "invalid_client" or "unauthorized_client" => "Google refused the client ID or secret. Copy both again from the Google Cloud console (Clients).",
                _ => $"Google refused the exchange ({ex.Error?.Error}: {ex.Error?.ErrorDescription}).",
            });
        }
        catch (HttpRequestException ex)
        {
            return Failure($"Google's token endpoint could not be reached ({ex.Message}). Check the relay's network access and start again.");
        }

        if (string.IsNullOrEmpty(token.RefreshToken))
        {
            return Failure(
                "Google returned no refresh token, so the relay could not keep sending after an hour. Remove the app's access at " +
                "https://myaccount.google.com/permissions and authorize again (the relay always asks with prompt=consent).");
        }

        if (EmailFromIdToken(token.IdToken) is not { } email)
        {
            return Failure("Google did not say which account consented (no email in the ID token). Keep the openid and email scopes on the consent screen.");
        }

        if (token.Scope is { } scope && !scope.Split(' ').Contains(tokens.Settings.Scope))
        {
            return Failure("The Gmail permission was not granted: on Google's consent page, tick the box that lets the app send mail, then authorize again.");
        }

        if (tokens.Settings.Address is { Length: > 0 } expected && !string.Equals(expected, email, StringComparison.OrdinalIgnoreCase))
        {
            return Failure(tokens.Settings.IsDefaultName
                ? $"You consented as {email}, but this relay sends as {expected} (Relay:Account:Address). Sign in to Google as {expected} and authorize again."
                : $"You consented as {email}, but the relay's account '{tokens.Settings.Name}' sends as {expected} (its Address in Relay:Accounts). Sign in to Google as {expected} and authorize again.");
        }

        var authorization = new StoredAuthorization
        {
            Account = email,
            RefreshToken = token.RefreshToken,
            ClientId = pending.ClientId,
            ClientSecret = pending.KeepSecret ? pending.ClientSecret : null,
            AuthorizedAt = time.GetUtcNow(),
        };
        if (tokens.Account is { } current && !SameAccount(current, email) && !pending.Owner.ReplaceConfirmed)
        {
            if (pending.Owner.IsBrowser)
            {
                _unconfirmed[state] = new Unconfirmed(authorization, pending.Owner, time.GetUtcNow() + StateLifetime);
                OAuthLog.ReplacementAwaitingConfirmation(logger, email, current);
                return new AuthorizationResult(false, email,
                    $"You consented as {email}, but the relay sends as {current}. Replace {current} by {email}? {current}'s authorization is then revoked at Google.",
                    ConfirmState: state);
            }

            await RevokeUnusedAsync(authorization, cancellationToken);
            return Failure($"You consented as {email}, but the relay sends as {current}. To replace {current}, run 'relay authorize --replace'. " +
                           $"The authorization for {email} was revoked at Google.");
        }

        return await StoreAsync(authorization, cancellationToken);
    }

    /// <summary>Keeps the new authorization; the one it replaces, if for another account, is revoked at Google (one for the same account is the same grant at Google: revoking it would revoke the new one).</summary>
    private async Task<AuthorizationResult> StoreAsync(StoredAuthorization authorization, CancellationToken cancellationToken)
    {
        var previous = await tokens.ReplaceAsync(authorization, cancellationToken);
        if (previous is not null && !SameAccount(previous.Account, authorization.Account))
        {
            try
            {
                if (await tokens.RevokeTokenAsync(previous.RefreshToken, cancellationToken))
                {
                    OAuthLog.ReplacedAndRevoked(logger, authorization.Account, previous.Account);
                }
                else
                {
                    OAuthLog.ReplacedRevokeFailed(logger, authorization.Account, previous.Account, null);
                }
            }
            catch (HttpRequestException ex)
            {
                OAuthLog.ReplacedRevokeFailed(logger, authorization.Account, previous.Account, ex);
            }
        }

        var forAccount = tokens.Settings.IsDefaultName ? "" : $" for the account '{tokens.Settings.Name}'";
        return new AuthorizationResult(true, authorization.Account, $"{authorization.Account} is authorized{forAccount}. Mail waiting in the queue goes out now.");
    }

    private async Task RevokeUnusedAsync(StoredAuthorization authorization, CancellationToken cancellationToken)
    {
        try
        {
            if (await tokens.RevokeTokenAsync(authorization.RefreshToken, cancellationToken))
            {
                OAuthLog.UnusedRevoked(logger, authorization.Account);
            }
        }
        catch (HttpRequestException)
        {
            // Unused, never stored: Google drops it after six months unused.
        }
    }

    private static bool SameAccount(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The ID token came straight from Google's token endpoint over TLS, so (as OpenID Connect allows) its signature is
    /// not checked again here; only its payload is read.
    /// </summary>
    internal static string? EmailFromIdToken(string? idToken)
    {
        var parts = idToken?.Split('.');
        if (parts is not { Length: 3 })
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1]));
            return payload.RootElement.TryGetProperty("email", out var email) ? email.GetString() : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null;
        }
    }

    private PkceGoogleAuthorizationCodeFlow Flow(string clientId, string? clientSecret) =>
        new(new GoogleAccessTokenSource.EndpointInitializer(google.Value.AuthorizationEndpoint, google.Value.TokenEndpoint, google.Value.RevocationEndpoint)
        {
            ClientSecrets = new ClientSecrets { ClientId = clientId, ClientSecret = clientSecret },
            Scopes = _scopes,
            Prompt = "consent",
            LoginHint = tokens.Settings.Address,
            Clock = new TimeProviderClock(time),
        });

    private static AuthorizationResult Failure(string message) => new(false, null, message);

    private sealed record Pending(string CodeVerifier, string RedirectUri, string ClientId, string ClientSecret, bool KeepSecret, FlowOwner Owner, DateTimeOffset ExpiresAt,
        TaskCompletionSource<AuthorizationResult> Done, TaskCompletionSource<IReadOnlyDictionary<string, string>> Caught);

    private sealed record Unconfirmed(StoredAuthorization Authorization, FlowOwner Owner, DateTimeOffset ExpiresAt);
}

/// <summary>What waiting on a flow came to: <see cref="Known"/> false for a state never issued or long expired; <see cref="Result"/> null while it is still pending.</summary>
internal sealed record FlowWait(bool Known, AuthorizationResult? Result)
{
    public static readonly FlowWait Unknown = new(false, null);
}
