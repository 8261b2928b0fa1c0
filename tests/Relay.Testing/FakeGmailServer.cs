using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;

namespace Relay.Testing;

/// <summary>What the fake Gmail received in one transaction; <see cref="Data"/> is the raw DATA, dot-unstuffed, byte for byte.</summary>
public sealed record ReceivedMessage(string AuthUser, string AccessToken, string MailFrom, string MailParameters, IReadOnlyList<string> Recipients, byte[] Data)
{
    /// <summary>Whether it came by BDAT (CHUNKING) rather than DATA.</summary>
    public bool Chunked { get; init; }

    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>Whose SMTP submission service the fake plays: its greeting, EHLO, replies and XOAUTH2 failure.</summary>
public enum FakeSmtpFlavor
{
    /// <summary>smtp.gmail.com: a refused token gets 334 + base64 JSON, then 535 5.7.8.</summary>
    Gmail,

    /// <summary>
    /// smtp.office365.com: Microsoft's greeting and EHLO (AUTH LOGIN XOAUTH2 after STARTTLS), a refused token gets a plain
    /// <c>535 5.7.3 Authentication unsuccessful</c> (no challenge), and the header From must be the authenticated mailbox or
    /// one of <see cref="FakeGmailServer.SendAs"/> (otherwise <c>554 5.2.252 SendAsDenied</c> at the end of DATA).
    /// </summary>
    Office365,
}

public enum FakeGmailMode
{
    Normal,

    /// <summary>Accepts the TCP connection and closes it at once, as a host whose SMTP service is down.</summary>
    CloseOnConnect,
}

/// <summary>
/// A Gmail-like submission server on 127.0.0.1 port 0: Gmail's greeting and EHLO, STARTTLS, AUTH XOAUTH2 with Gmail's
/// failure sequence (334 base64 JSON, then 535 5.7.8), raw-byte DATA recording, and faults on demand. With
/// <see cref="FakeSmtpFlavor.Office365"/> (<see cref="Office365"/>) it answers as smtp.office365.com does instead.
/// </summary>
public sealed class FakeGmailServer : IAsyncDisposable
{
    public const string RefusedTokenJson = """{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}""";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly Func<string, string, bool> _isValidToken;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ReceivedMessage> _received = Channel.CreateUnbounded<ReceivedMessage>();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly Task _accepting;
    private int _connections;
    private int _refusedTokens;
    private int _authAttempts;

    /// <param name="isValidToken">
    /// Decides whether (XOAUTH2 <c>user=</c>, access token) may log in: as Gmail, the token must be live and issued for that
    /// very user; usually <see cref="FakeGoogleOAuthServer.IsValidFor"/>.
    /// </param>
    public FakeGmailServer(X509Certificate2 certificate, Func<string, string, bool> isValidToken)
    {
        _certificate = certificate;
        _isValidToken = isValidToken;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>An Office 365-shaped server (<see cref="FakeSmtpFlavor.Office365"/>): XOAUTH2 user= is the mailbox.</summary>
    public static FakeGmailServer Office365(X509Certificate2 certificate, Func<string, string, bool> isValidToken) =>
        new(certificate, isValidToken) { Flavor = FakeSmtpFlavor.Office365 };

    /// <summary>Office 365's reply when SMTP AUTH is turned off for the tenant (or the mailbox).</summary>
    public const string SmtpAuthDisabledReply =
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR01CA0001.eurprd01.prod.exchangelabs.com 2026-11-30T20:00:00.000Z 08DD0000000000]";

    /// <summary>Office 365's reply when security defaults block SMTP AUTH.</summary>
    public const string SecurityDefaultsReply =
        "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]";

    /// <summary>Office 365's reply to basic authentication (a password) once it is retired.</summary>
    public const string BasicAuthReply = "550 5.7.30 Basic authentication is not supported for Client Submission.";

    public int Port { get; }
    public FakeGmailMode Mode { get; set; } = FakeGmailMode.Normal;

    public FakeSmtpFlavor Flavor { get; init; } = FakeSmtpFlavor.Gmail;

    /// <summary>When set, the reply to every AUTH, whatever the token (e.g. <see cref="SmtpAuthDisabledReply"/>); counted as a refused token.</summary>
    public string? AuthReply { get; set; }

    /// <summary>Office 365: the addresses the authenticated mailbox may also send as (Send As permission), besides itself.</summary>
    public ConcurrentBag<string> SendAs { get; } = [];

    // RCPT faults: a recipient starting with "reject" gets 550 5.1.1, one starting with "busy" gets 450 4.2.1.

    /// <summary>When set, the reply to every MAIL FROM (a 421 reply also closes the connection, as Gmail does).</summary>
    public string? MailReply { get; set; }

    /// <summary>Whether EHLO offers 8BITMIME (Gmail does). Without it, BODY=8BITMIME and 8-bit data are refused.</summary>
    public bool Offers8BitMime { get; set; } = true;

    /// <summary>Whether EHLO offers CHUNKING (RFC 3030 BDAT), as Gmail does.</summary>
    public bool OffersChunking { get; set; } = true;

    /// <summary>Whether EHLO offers SMTPUTF8 (Gmail does). Without it, the SMTPUTF8 parameter is refused.</summary>
    public bool OffersSmtpUtf8 { get; set; } = true;

    /// <summary>Closes the connection after each message's 250, so the next message needs a new connection.</summary>
    public bool CloseAfterMessage { get; set; }

    public int Connections => Volatile.Read(ref _connections);
    public int RefusedTokens => Volatile.Read(ref _refusedTokens);

    /// <summary>AUTH commands received, accepted or not.</summary>
    public int AuthAttempts => Volatile.Read(ref _authAttempts);
    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();

    /// <summary>Waits for the next message to arrive.</summary>
    public async Task<ReceivedMessage> NextMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(cts.Token);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true; // replies go out at once, as from a real server (no Nagle stalls)
            Interlocked.Increment(ref _connections);
            _sessions.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        if (Mode == FakeGmailMode.CloseOnConnect)
        {
            client.Client.Close(0);
            return;
        }

        try
        {
            await new Session(this, client.GetStream()).RunAsync(_stop.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or AuthenticationException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_sessions);
        _stop.Dispose();
    }

    private sealed class Session(FakeGmailServer server, Stream network)
    {
        private string Tail => Microsoft ? "[AM0PR01CA0001.eurprd01.prod.exchangelabs.com]" : "fake - gsmtp";

        private bool Microsoft => server.Flavor == FakeSmtpFlavor.Office365;
        private Stream _stream = network;
        private LineReader _reader = new(network);
        private bool _tls;
        private string? _user;
        private string? _token;
        private string? _mailFrom;
        private string _mailParameters = string.Empty;
        private readonly MemoryStream _chunks = new();
        private readonly List<string> _recipients = [];

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await WriteAsync(Microsoft
                ? "220 AM0PR01CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready at Mon, 30 Nov 2026 20:00:00 +0000 08DD0000000000"
                : $"220 smtp.gmail.com ESMTP {Tail}", cancellationToken);
            while (await _reader.ReadLineAsync(cancellationToken) is { } raw)
            {
                var line = Encoding.UTF8.GetString(raw);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                var argument = line.Length > verb.Length ? line[(verb.Length + 1)..] : string.Empty;
                switch (verb)
                {
                    case "EHLO" or "HELO" when Microsoft:
                        await WriteAsync(string.Join("\r\n",
                            "250-AM0PR01CA0001.outlook.office365.com Hello [127.0.0.1]",
                            "250-SIZE 157286400",
                            "250-PIPELINING",
                            "250-DSN",
                            "250-ENHANCEDSTATUSCODES",
                            _tls ? "250-AUTH LOGIN XOAUTH2" : "250-STARTTLS",
                            server.Offers8BitMime ? "250-8BITMIME" : "250-X-NO-8BITMIME",
                            "250-BINARYMIME",
                            server.OffersChunking ? "250-CHUNKING" : "250-X-NO-CHUNKING",
                            server.OffersSmtpUtf8 ? "250 SMTPUTF8" : "250 X-NO-SMTPUTF8"), cancellationToken);
                        break;
                    case "EHLO" or "HELO":
                        await WriteAsync(string.Join("\r\n",
                            "250-smtp.gmail.com at your service, [127.0.0.1]",
                            "250-SIZE 35882577",
                            server.Offers8BitMime ? "250-8BITMIME" : "250-X-NO-8BITMIME",
                            _tls ? "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH" : "250-STARTTLS",
                            "250-ENHANCEDSTATUSCODES",
                            "250-PIPELINING",
                            server.OffersChunking ? "250-CHUNKING" : "250-X-NO-CHUNKING",
                            server.OffersSmtpUtf8 ? "250 SMTPUTF8" : "250 X-NO-SMTPUTF8"), cancellationToken);
                        break;
                    case "STARTTLS":
                        await WriteAsync("220 2.0.0 Ready to start TLS", cancellationToken);
                        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificate = server._certificate,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        }, cancellationToken);
                        _stream = ssl;
                        _reader = new LineReader(ssl);
                        _tls = true;
                        _user = null;
                        Reset();
                        break;
                    case "AUTH":
                        await AuthenticateAsync(argument, cancellationToken);
                        break;
                    case "MAIL":
                        if (!await MayTransactAsync(cancellationToken))
                        {
                            break;
                        }

                        if (server.MailReply is { } reply)
                        {
                            await WriteAsync(reply, cancellationToken);
                            if (reply.StartsWith("421", StringComparison.Ordinal))
                            {
                                return;
                            }

                            break;
                        }

                        Reset();
                        var close = argument.IndexOf('>', StringComparison.Ordinal);
                        var parameters = close >= 0 ? argument[(close + 1)..].Trim() : string.Empty;
                        if (EnvelopeError(Address(argument), parameters) is { } refusal)
                        {
                            await WriteAsync(refusal, cancellationToken);
                            break;
                        }

                        _mailFrom = Address(argument);
                        _mailParameters = parameters;
                        await WriteAsync($"250 2.1.0 OK {Tail}", cancellationToken);
                        break;
                    case "RCPT":
                        if (!await MayTransactAsync(cancellationToken))
                        {
                            break;
                        }

                        var recipient = Address(argument);
                        if (EnvelopeError(recipient, _mailParameters) is { } refused)
                        {
                            await WriteAsync(refused, cancellationToken);
                            break;
                        }

                        if (recipient.StartsWith("reject", StringComparison.OrdinalIgnoreCase))
                        {
                            await WriteAsync($"550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550 5.1.1 double-checking the recipient's email address for typos. {Tail}", cancellationToken);
                            break;
                        }

                        if (recipient.StartsWith("busy", StringComparison.OrdinalIgnoreCase))
                        {
                            await WriteAsync($"450 4.2.1 The user you are trying to contact is receiving mail too quickly. {Tail}", cancellationToken);
                            break;
                        }

                        _recipients.Add(recipient);
                        await WriteAsync($"250 2.1.5 OK {Tail}", cancellationToken);
                        break;
                    case "DATA":
                        if (_mailFrom is null || _recipients.Count == 0)
                        {
                            await WriteAsync($"503 5.5.1 RCPT first. {Tail}", cancellationToken);
                            break;
                        }

                        await WriteAsync($"354 Go ahead {Tail}", cancellationToken);
                        if (await ReadDataAsync(cancellationToken) is not { } data)
                        {
                            return;
                        }

                        if ((DataError(data) ?? SendAsError(data)) is { } dataRefusal)
                        {
                            Reset();
                            await WriteAsync(dataRefusal, cancellationToken);
                            break;
                        }

                        if (await AcceptAsync(data, chunked: false, cancellationToken))
                        {
                            return;
                        }

                        break;
                    case "BDAT":
                        // RFC 3030: "BDAT size [LAST]", the chunk follows at once (pipelined with MAIL and RCPT).
                        var bdat = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (!server.OffersChunking || bdat.Length == 0 || !int.TryParse(bdat[0], out var size) || size < 0)
                        {
                            await WriteAsync($"502 5.5.1 Unrecognized command. {Tail}", cancellationToken);
                            break;
                        }

                        if (await _reader.ReadBytesAsync(size, cancellationToken) is not { } chunk)
                        {
                            return;
                        }

                        if (_mailFrom is null || _recipients.Count == 0)
                        {
                            await WriteAsync($"503 5.5.1 RCPT first. {Tail}", cancellationToken);
                            break;
                        }

                        _chunks.Write(chunk);
                        if (bdat is not [_, var last] || !last.Equals("LAST", StringComparison.OrdinalIgnoreCase))
                        {
                            await WriteAsync($"250 2.0.0 {size} bytes received {Tail}", cancellationToken);
                            break;
                        }

                        var whole = _chunks.ToArray();
                        _chunks.SetLength(0);
                        if ((DataError(whole) ?? SendAsError(whole)) is { } chunkRefusal)
                        {
                            Reset();
                            await WriteAsync(chunkRefusal, cancellationToken);
                            break;
                        }

                        if (await AcceptAsync(whole, chunked: true, cancellationToken))
                        {
                            return;
                        }

                        break;
                    case "RSET":
                        Reset();
                        await WriteAsync($"250 2.1.5 Flushed {Tail}", cancellationToken);
                        break;
                    case "NOOP":
                        await WriteAsync($"250 2.0.0 OK {Tail}", cancellationToken);
                        break;
                    case "QUIT":
                        await WriteAsync($"221 2.0.0 closing connection {Tail}", cancellationToken);
                        return;
                    default:
                        await WriteAsync($"502 5.5.1 Unrecognized command. {Tail}", cancellationToken);
                        break;
                }
            }
        }

        private async Task AuthenticateAsync(string argument, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref server._authAttempts);
            if (!_tls)
            {
                await WriteAsync($"530 5.7.0 Must issue a STARTTLS command first. {Tail}", cancellationToken);
                return;
            }

            var parts = argument.Split(' ', 2);
            if (!parts[0].Equals("XOAUTH2", StringComparison.OrdinalIgnoreCase))
            {
                await WriteAsync($"504 5.7.4 Unrecognized authentication type. {Tail}", cancellationToken);
                return;
            }

            var initial = parts.Length > 1 ? parts[1] : null;
            if (initial is null)
            {
                await WriteAsync("334 ", cancellationToken);
                initial = Encoding.ASCII.GetString(await _reader.ReadLineAsync(cancellationToken) ?? []);
            }

            if (server.AuthReply is { } forced)
            {
                Interlocked.Increment(ref server._refusedTokens);
                await WriteAsync(forced, cancellationToken);
                return;
            }

            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(initial)).Split('\x01', StringSplitOptions.RemoveEmptyEntries);
            var user = fields.FirstOrDefault(f => f.StartsWith("user=", StringComparison.Ordinal))?[5..] ?? string.Empty;
            var token = fields.FirstOrDefault(f => f.StartsWith("auth=Bearer ", StringComparison.Ordinal))?[12..] ?? string.Empty;
            if (server._isValidToken(user, token))
            {
                _user = user;
                _token = token;
                await WriteAsync("235 2.7.0 Accepted", cancellationToken);
                return;
            }

            Interlocked.Increment(ref server._refusedTokens);
            if (Microsoft)
            {
                // Office 365 sends no challenge: the refusal comes at once, for an expired token as for a wrong one.
                await WriteAsync($"535 5.7.3 Authentication unsuccessful {Tail}", cancellationToken);
                return;
            }

            await WriteAsync("334 " + Convert.ToBase64String(Encoding.UTF8.GetBytes(RefusedTokenJson)), cancellationToken);
            await _reader.ReadLineAsync(cancellationToken);
            await WriteAsync($"535-5.7.8 Username and Password not accepted. For more information, go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials {Tail}", cancellationToken);
        }

        private async Task<bool> MayTransactAsync(CancellationToken cancellationToken)
        {
            if (!_tls)
            {
                await WriteAsync($"530 5.7.0 Must issue a STARTTLS command first. {Tail}", cancellationToken);
                return false;
            }

            if (_user is null)
            {
                await WriteAsync($"530-5.7.0 Authentication Required. For more information, go to\r\n530 5.7.0  https://support.google.com/mail/?p=WantAuthError {Tail}", cancellationToken);
                return false;
            }

            return true;
        }

        /// <summary>The message up to the lone dot, or null when the client went away before it (nothing is kept then, as Gmail does).</summary>
        private async Task<byte[]?> ReadDataAsync(CancellationToken cancellationToken)
        {
            using var data = new MemoryStream();
            while (await _reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line is [(byte)'.'])
                {
                    return data.ToArray();
                }

                var start = line is [(byte)'.', ..] ? 1 : 0;
                data.Write(line, start, line.Length - start);
                data.Write("\r\n"u8);
            }

            return null;
        }

        private bool Has(string parameter) =>
            _mailParameters.Split(' ').Any(p => p.Equals(parameter, StringComparison.OrdinalIgnoreCase));

        /// <summary>As a strict server: SMTPUTF8 and BODY=8BITMIME only when offered, and a non-ASCII address only with SMTPUTF8.</summary>
        private string? EnvelopeError(string address, string parameters)
        {
            var words = parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Any(p => p.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase)) && !server.OffersSmtpUtf8)
            {
                return $"555 5.5.4 SMTPUTF8 is not supported here {Tail}";
            }

            if (words.Any(p => p.Equals("BODY=8BITMIME", StringComparison.OrdinalIgnoreCase)) && !server.Offers8BitMime)
            {
                return $"555 5.5.4 BODY=8BITMIME is not supported here {Tail}";
            }

            return !System.Text.Ascii.IsValid(address) && !words.Any(p => p.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase))
                ? $"553 5.6.7 A non-ASCII address needs SMTPUTF8 {Tail}"
                : null;
        }

        /// <summary>8-bit bytes only as declared: in the header block with SMTPUTF8, in the body with BODY=8BITMIME (or SMTPUTF8).</summary>
        private string? DataError(byte[] data)
        {
            var text = data.AsSpan();
            var end = text.IndexOf("\r\n\r\n"u8);
            var headers = end < 0 ? text : text[..end];
            var body = end < 0 ? [] : text[(end + 4)..];
            if (headers.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0 && !Has("SMTPUTF8"))
            {
                return $"554 5.6.7 8-bit header without SMTPUTF8 {Tail}";
            }

            return body.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0 && !Has("BODY=8BITMIME") && !Has("SMTPUTF8")
                ? $"554 5.6.0 8-bit body without BODY=8BITMIME {Tail}"
                : null;
        }

        /// <summary>Office 365: the header From must be the authenticated mailbox or an address it may send as.</summary>
        private string? SendAsError(byte[] data)
        {
            if (!Microsoft)
            {
                return null;
            }

            using var stream = new MemoryStream(data);
            var from = MimeKit.MimeMessage.Load(stream).From.Mailboxes.FirstOrDefault()?.Address ?? string.Empty;
            return string.Equals(from, _user, StringComparison.OrdinalIgnoreCase) || server.SendAs.Contains(from, StringComparer.OrdinalIgnoreCase)
                ? null
                : $"554 5.2.252 SendAsDenied; {_user} not allowed to send as {from}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message. {Tail}";
        }

        /// <summary>Keeps a whole message and answers 250; true when the connection is then to be closed (<see cref="CloseAfterMessage"/>).</summary>
        private async Task<bool> AcceptAsync(byte[] data, bool chunked, CancellationToken cancellationToken)
        {
            var message = new ReceivedMessage(_user!, _token!, _mailFrom!, _mailParameters, _recipients.ToList(), data) { Chunked = chunked };
            server.Messages.Enqueue(message);
            server._received.Writer.TryWrite(message);
            Reset();
            await WriteAsync($"250 2.0.0 OK 1700000000 {Tail}", cancellationToken);
            return server.CloseAfterMessage;
        }

        private void Reset()
        {
            _mailFrom = null;
            _mailParameters = string.Empty;
            _recipients.Clear();
            _chunks.SetLength(0);
        }

        private static string Address(string argument)
        {
            var open = argument.IndexOf('<', StringComparison.Ordinal);
            var close = argument.IndexOf('>', StringComparison.Ordinal);
            return open >= 0 && close > open ? argument[(open + 1)..close] : argument;
        }

        private async Task WriteAsync(string reply, CancellationToken cancellationToken)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }
    }
}
