using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;

namespace Relay.OAuth;

/// <summary>
/// The outcome of an authorization, in words for the person doing it. <paramref name="ConfirmState"/> is set when the
/// consent was for another account than the authorized one and waits for the operator to confirm the replacement;
/// <paramref name="HandedOver"/> when the provider's redirect for a <c>relay authorize</c> flow was passed to that command.
/// </summary>
internal sealed record AuthorizationResult(bool Succeeded, string? Account, string Message, string? ConfirmState = null, bool HandedOver = false);

/// <summary>A started authorization: where to send the browser, and the one-time state that comes back with the code.</summary>
internal sealed record AuthorizationStart(string Url, string State, string RedirectUri, string Provider);

/// <summary>
/// A browser authorization of one account of the relay: authorization code with PKCE (S256) and <c>state</c>, with what
/// is Google's or Microsoft's behind <see cref="IAuthorizationProvider"/> (the address, the code exchange, the sentences).
/// The <c>state</c> is random, single-use and expires after ten minutes. Each way a user can fail is turned into a
/// sentence that says what to do. A flow can only be finished by who started it (<see cref="FlowOwner"/>), and a consent
/// for another account than the authorized one replaces it only once the operator confirms; the replaced authorization
/// is then revoked at Google (Microsoft has no revocation for an app: it is forgotten).
/// </summary>
internal sealed class AuthorizationFlow(
    IAuthorizationProvider provider,
    TimeProvider time,
    ILogger<AuthorizationFlow> logger)
{
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    /// <summary>The client id and secret for a new authorization: those entered on the page last time, else configuration.</summary>
    public (string? ClientId, string? ClientSecret) Client => provider.Client;

    /// <summary>Whether <paramref name="state"/> was issued by this flow and may still be finished or confirmed here.</summary>
    public bool Knows(string state) => _pending.ContainsKey(state) || _unconfirmed.ContainsKey(state) || _finished.ContainsKey(state);

    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _claimed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AuthorizationResult> _finished = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Unconfirmed> _unconfirmed = new(StringComparer.Ordinal);

    /// <param name="clientSecret">The secret to use.</param>
    /// <param name="keepSecret">True when it was entered by the user (then it is stored, encrypted, with the token); false when it comes from configuration.</param>
    /// <param name="owner">Who started it: only they can finish it.</param>
    public async Task<AuthorizationStart> StartAsync(string redirectUri, string clientId, string clientSecret, bool keepSecret, FlowOwner owner, CancellationToken cancellationToken)
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

        var state = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(24));
        var (url, codeVerifier) = await provider.AuthorizationUrlAsync(redirectUri, clientId, clientSecret, state, cancellationToken);
        _pending[state] = new Pending(codeVerifier, redirectUri, clientId, clientSecret, keepSecret, owner, time.GetUtcNow() + StateLifetime,
            new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
        return new AuthorizationStart(url, state, redirectUri, provider.Name);
    }

    /// <summary>
    /// For a flow the admin API started (<c>relay authorize</c>): waits up to <paramref name="timeout"/> for it to be
    /// finished, by a pasted address or by the provider's redirect reaching <c>/oauth/callback</c> (then completes it here). The
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

    /// <summary>Completes from the address the provider sent the browser back to, pasted by the user.</summary>
    public Task<AuthorizationResult> CompleteFromPastedAsync(string pasted, FlowCaller caller, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(pasted.Trim(), UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Query))
        {
            return Task.FromResult(Failure(
                $"That is not the address {provider.Name} sent you back to. After you allowed access, copy the whole address from the browser's " +
                "address bar (it starts with http://localhost and contains code= and state=) and paste it here, even if the page did not load."));
        }

        var query = QueryHelpers.ParseQuery(url.Query).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
        return CompleteAsync(query, caller, cancellationToken);
    }

    /// <summary>
    /// Completes from the callback's query (<c>code</c>, <c>state</c>, or <c>error</c>), when <paramref name="caller"/>
    /// started the flow. The provider's redirect for a flow of the admin API is handed to the command waiting on it.
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
                    $"{provider.Name}'s answer reached the relay. The 'relay authorize' command that started this authorization finishes it: look at its terminal. You can close this page.",
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
    /// replaced authorization at the provider), or keep the current one (and revoke the new, unused one).
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
        return Failure($"Nothing changed: the relay still sends as {provider.Account ?? "no account"}. The authorization for {waiting.Authorization.Account} was {provider.RevokedWords}.");
    }

    private async Task<AuthorizationResult> ExchangeAsync(IReadOnlyDictionary<string, string> query, string state, Pending pending, CancellationToken cancellationToken)
    {
        if (query.ContainsKey("error"))
        {
            return Failure(provider.DescribeError(query));
        }

        if (!query.TryGetValue("code", out var code) || code.Length == 0)
        {
            return Failure($"The address has no authorization code. Copy the whole address of the page {provider.Name} sent you back to.");
        }

        var exchange = await provider.ExchangeAsync(
            new CodeRequest(code, pending.CodeVerifier, pending.RedirectUri, pending.ClientId, pending.ClientSecret, pending.KeepSecret), cancellationToken);
        if (exchange.Authorization is not { } authorization)
        {
            return Failure(exchange.Failure!);
        }

        var email = authorization.Account;
        var settings = provider.Settings;
        if (settings.Address is { Length: > 0 } expected && !string.Equals(expected, email, StringComparison.OrdinalIgnoreCase))
        {
            return Failure(settings.IsDefaultName
                ? $"You consented as {email}, but this relay sends as {expected} (Relay:Account:Address). Sign in to {provider.Name} as {expected} and authorize again."
                : $"You consented as {email}, but the relay's account '{settings.Name}' sends as {expected} (its Address in Relay:Accounts). Sign in to {provider.Name} as {expected} and authorize again.");
        }

        if (provider.Account is { } current && !SameAccount(current, email) && !pending.Owner.ReplaceConfirmed)
        {
            if (pending.Owner.IsBrowser)
            {
                _unconfirmed[state] = new Unconfirmed(authorization, pending.Owner, time.GetUtcNow() + StateLifetime);
                OAuthLog.ReplacementAwaitingConfirmation(logger, email, current);
                return new AuthorizationResult(false, email,
                    $"You consented as {email}, but the relay sends as {current}. Replace {current} by {email}? {current}'s authorization is then {provider.RevokedWords}.",
                    ConfirmState: state);
            }

            await RevokeUnusedAsync(authorization, cancellationToken);
            return Failure($"You consented as {email}, but the relay sends as {current}. To replace {current}, run 'relay authorize --replace'. " +
                           $"The authorization for {email} was {provider.RevokedWords}.");
        }

        return await StoreAsync(authorization, cancellationToken);
    }

    /// <summary>Keeps the new authorization; the one it replaces, if for another account, is revoked at the provider (one for the same account is the same grant there: revoking it would revoke the new one).</summary>
    private async Task<AuthorizationResult> StoreAsync(StoredAuthorization authorization, CancellationToken cancellationToken)
    {
        var previous = await provider.ReplaceAsync(authorization, cancellationToken);
        if (previous is not null && !SameAccount(previous.Account, authorization.Account))
        {
            try
            {
                var revoked = await provider.RevokeAsync(previous, cancellationToken);
                if (revoked == true)
                {
                    OAuthLog.ReplacedAndRevoked(logger, authorization.Account, previous.Account);
                }
                else if (revoked == false)
                {
                    OAuthLog.ReplacedRevokeFailed(logger, authorization.Account, previous.Account, null);
                }
                else
                {
                    OAuthLog.ReplacedAndForgotten(logger, authorization.Account, previous.Account);
                }
            }
            catch (HttpRequestException ex)
            {
                OAuthLog.ReplacedRevokeFailed(logger, authorization.Account, previous.Account, ex);
            }
        }

        var forAccount = provider.Settings.IsDefaultName ? "" : $" for the account '{provider.Settings.Name}'";
        return new AuthorizationResult(true, authorization.Account, $"{authorization.Account} is authorized{forAccount}. Mail waiting in the queue goes out now.");
    }

    private async Task RevokeUnusedAsync(StoredAuthorization authorization, CancellationToken cancellationToken)
    {
        try
        {
            if (await provider.RevokeAsync(authorization, cancellationToken) == true)
            {
                OAuthLog.UnusedRevoked(logger, authorization.Account);
            }
        }
        catch (HttpRequestException)
        {
            // Unused, never stored: Google drops it after six months unused (Microsoft after 90 days).
        }
    }

    private static bool SameAccount(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);


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
