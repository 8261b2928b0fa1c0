using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Rewrite;
using AuthenticationException = MailKit.Security.AuthenticationException;
using SslProtocols = System.Security.Authentication.SslProtocols;

namespace Relay.Outbound;

/// <summary>
/// One upstream SMTP connection (STARTTLS + XOAUTH2), kept open across messages and checked with NOOP before reuse
/// when it has been idle for <see cref="CheckAfterIdle"/> or the server may have closed it. The upstream is the
/// provider's: <c>Relay:Outbound:Host/Port</c> (smtp.gmail.com) for Google, <c>Relay:Microsoft:SmtpHost/SmtpPort</c>
/// (smtp.office365.com) for Microsoft. Not thread-safe: each delivery loop owns one.
/// </summary>
internal sealed class GmailConnection(
    IOptions<OutboundOptions> options,
    IOptions<MicrosoftOptions> microsoft,
    UpstreamCertificateValidator certificates,
    IAccessTokenSource tokens,
    AccountProvider provider,
    TimeProvider time,
    ILogger<GmailConnection> logger) : IAsyncDisposable
{
    /// <summary>A connection idle for longer is checked with NOOP before reuse (Gmail closes idle ones after a few minutes).</summary>
    public static readonly TimeSpan CheckAfterIdle = TimeSpan.FromSeconds(10);

    private readonly OutboundOptions _options = options.Value;
    private readonly (string Host, int Port) _upstream = provider == AccountProvider.Microsoft
        ? (microsoft.Value.SmtpHost, microsoft.Value.SmtpPort)
        : (options.Value.Host, options.Value.Port);
    private long _lastUsed;
    private Socket? _socket;
    private RecordingSmtpClient? _client;
    private string? _authenticatedAs;

    /// <summary>
    /// Sends the spooled message <paramref name="message"/> (a seekable stream, disposed here) to <paramref name="recipients"/>: builds the message the upstream can
    /// carry (see <see cref="UpstreamMessage"/>), lets <paramref name="rewrite"/> set its From, and returns the upstream's
    /// final reply with every recipient that could not be reached while the others were. Throws what MailKit throws.
    /// </summary>
    public async Task<UpstreamResult> SendAsync(
        Stream message, Func<MimeMessage, RewriteResult> rewrite, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
    {
        RecordingSmtpClient client;
        try
        {
            client = await ReadyClientAsync(cancellationToken);
        }
        catch
        {
            await message.DisposeAsync();
            throw;
        }

        var offers = client.Offers;
        using var upstream = UpstreamMessage.Load(message, offers);
        var rewritten = rewrite(upstream.Message);
        var (addresses, refused) = EnvelopeRecipients.For(recipients, offers);
        var format = upstream.Format(offers, addresses.Any(r => r.Address.IsInternational));
        try
        {
            var reply = await client.SendRecordingAsync(format, upstream.Message, rewritten.EnvelopeSender, addresses, refused, cancellationToken);
            _lastUsed = time.GetTimestamp();
            return new UpstreamResult(reply, client.Refused, rewritten, upstream.Changes, upstream.Message.MessageId);
        }
        catch (Exception ex) when (ex is not SmtpCommandException)
        {
            // The connection is in an unknown state: start afresh next time.
            await DropAsync();
            throw;
        }
    }

    private async Task<RecordingSmtpClient> ReadyClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true, IsAuthenticated: true } reused && _authenticatedAs == tokens.Account)
        {
            // In steady use a NOOP per message would cost a round trip each. Nothing is due from the server between
            // messages: a readable socket means it closed the connection or said something (421), so check it then.
            if (time.GetElapsedTime(_lastUsed) < CheckAfterIdle && _socket?.Poll(0, SelectMode.SelectRead) == false)
            {
                return reused;
            }

            try
            {
                await reused.NoOpAsync(cancellationToken);
                return reused;
            }
            catch (Exception ex) when (ex is SmtpProtocolException or SmtpCommandException or IOException)
            {
                OutboundLog.ConnectionStale(logger, ex.Message);
            }
        }

        var client = await ConnectAsync(cancellationToken);
        await AuthenticateAsync(client, cancellationToken);
        return client;
    }

    /// <summary>
    /// For <c>relay check</c>: connects with STARTTLS (reporting what was negotiated) and, when <paramref name="login"/>,
    /// logs in; sends nothing, disconnects. Throws what a delivery would meet.
    /// </summary>
    public async Task ProbeAsync(Action<string> connected, bool login, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync(cancellationToken);
        connected($"{_upstream.Host}:{_upstream.Port}, STARTTLS, {client.SslProtocol}, {client.SslCipherSuite}");
        if (login)
        {
            await AuthenticateAsync(client, cancellationToken);
        }

        await DropAsync();
    }

    private async Task<RecordingSmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        await DropAsync();
        var client = new RecordingSmtpClient
        {
            Timeout = (int)_options.Timeout.TotalMilliseconds,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ServerCertificateValidationCallback = certificates.Validate,
        };
        _client = client;
        _socket = await OpenSocketAsync(cancellationToken);
        await client.ConnectAsync(_socket, _upstream.Host, _upstream.Port, SecureSocketOptions.StartTls, cancellationToken);
        return client;
    }

    /// <summary>
    /// The TCP connection, opened here rather than by MailKit so that Nagle's algorithm is off: otherwise the last
    /// small write of each message (the final dot) waits for the server's delayed ACK, some 40 ms a message.
    /// </summary>
    private async Task<Socket> OpenSocketAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            await socket.ConnectAsync(_upstream.Host, _upstream.Port, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"No connection to {_upstream.Host}:{_upstream.Port} within {_options.Timeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// XOAUTH2; on a refused token (Gmail: 334 JSON, then 535 5.7.8; Office 365: 535 5.7.3) refresh once and try once
    /// more. A refusal no token fixes (Office 365's 5.7.139, SMTP AUTH off; 5.7.30) holds the account at once, with its fix.
    /// </summary>
    private async Task AuthenticateAsync(SmtpClient client, CancellationToken cancellationToken)
    {
        var account = tokens.Account ?? throw new AuthorizationRequiredException($"No {provider} account is authorized yet.");
        var token = await tokens.GetAccessTokenAsync(cancellationToken);
        var first = new XOAuth2Mechanism(account, token);
        try
        {
            await client.AuthenticateAsync(first, cancellationToken);
            _authenticatedAs = account;
            return;
        }
        catch (AuthenticationException ex)
        {
            if (provider == AccountProvider.Microsoft && Office365Replies.Unfixable(ex.Message, account) is { } unfixable)
            {
                await DropAsync();
                throw unfixable;
            }

            OutboundLog.TokenRejected(logger, account, first.ErrorJson ?? "(none)", ex.Message.ReplaceLineEndings(" "));
        }

        var fresh = await tokens.RefreshRejectedAsync(token, cancellationToken);
        var second = new XOAuth2Mechanism(account, fresh);
        try
        {
            await client.AuthenticateAsync(second, cancellationToken);
            _authenticatedAs = account;
        }
        catch (AuthenticationException ex)
        {
            await DropAsync();
            throw (provider == AccountProvider.Microsoft ? Office365Replies.Unfixable(ex.Message, account) : null) ?? new UpstreamAuthenticationException(provider == AccountProvider.Microsoft
                ? $"Office 365 refused the token of {account} even after a refresh ({Office365Replies.LoginReply(ex.Message)}). " +
                  "Check that the app registration has the permission SMTP.Send (delegated; SMTP.SendAsApp with New-ServicePrincipal and Add-MailboxPermission for app-only) " +
                  "and that the token is for https://outlook.office.com (a Graph token is refused), then authorize the account again."
                : $"The upstream refused the token of {account} even after a refresh ({ex.Message.ReplaceLineEndings(" ")}; challenge {second.ErrorJson ?? "(none)"}). " +
                  "Check that the account authorized the https://mail.google.com/ scope, or authorize it again.");
        }
    }

    private async Task DropAsync()
    {
        if (_client is not { } client)
        {
            return;
        }

        _client = null;
        try
        {
            if (client.IsConnected)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, quick.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(DropAsync());
}
