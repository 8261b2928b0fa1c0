using MimeKit;
using Relay.Rewrite;

namespace Relay.Outbound;

/// <summary>
/// A spooled message made ready for a transport that sends to the header recipients and takes MIME bytes (the Gmail
/// API, Microsoft Graph), with the SMTP path's byte rules (<see cref="UpstreamMessage"/>, as to an upstream with
/// 8BITMIME and SMTPUTF8): From rewritten as the sender, envelope-only recipients in one Bcc
/// (<see cref="HeaderAddressing"/>), CRLF line ends. <see cref="Refusal"/> is set when the headers name someone the
/// envelope does not (the end of DATA refused that already; this holds for an entry queued before its account changed
/// transport). Owns the spool stream until disposed.
/// </summary>
internal sealed class HeaderRecipientsMessage : IDisposable
{
    private static readonly UpstreamCapabilities Capabilities = new(EightBitMime: true, SmtpUtf8: true);

    private readonly UpstreamMessage _upstream;
    private readonly FormatOptions _format;

    private HeaderRecipientsMessage(UpstreamMessage upstream, RewriteResult rewritten, string? refusal)
    {
        _upstream = upstream;
        Rewritten = rewritten;
        Refusal = refusal;

        // CRLF as received and as SMTP carries it: FormatOptions.Default writes the platform's line end (LF on Linux),
        // which would change every header line the rewrite writes out, and mix LF headers with a CRLF body.
        _format = upstream.Format(Capabilities, addressesNeedUtf8: false);
        _format.NewLineFormat = NewLineFormat.Dos;
    }

    public MimeMessage Message => _upstream.Message;

    public RewriteResult Rewritten { get; }

    /// <summary>Why the transport cannot send this message as its envelope says (a 550 5.7.1 text), or null.</summary>
    public string? Refusal { get; }

    /// <summary>The parts re-encoded on the way (see <see cref="UpstreamMessage.Changes"/>).</summary>
    public IReadOnlyList<string> Changes => _upstream.Changes;

    /// <summary>As the other overload, with the account's aliases and header-recipient limits.</summary>
    public static HeaderRecipientsMessage Prepare(Stream spooled, Accounts.RelayAccount account, string sender, bool addReplyTo, IReadOnlyList<string> recipients) =>
        Prepare(spooled, sender, account.Settings.Aliases, addReplyTo, recipients, HeaderTransport.For(account));

    public static HeaderRecipientsMessage Prepare(
        Stream spooled, string sender, IReadOnlyCollection<string> aliases, bool addReplyTo, IReadOnlyList<string> recipients, HeaderTransport transport)
    {
        var upstream = UpstreamMessage.Load(spooled, Capabilities);
        try
        {
            var message = upstream.Message;
            var rewritten = FromRewriter.Rewrite(message, sender, aliases, addReplyTo);
            var addressing = HeaderAddressing.Decide(recipients, message.Headers, transport);
            if (addressing.Refusal is { } refusal)
            {
                return new HeaderRecipientsMessage(upstream, rewritten, refusal);
            }

            // Only the Bcc is added (the rewrite removed the message's own): the other headers stay the objects that were
            // parsed, in place. Clearing and adding copies would lose their places among the body's Content-* headers,
            // and MimeKit would then write a re-encoded message's header block in another order than the SMTP path does.
            if (addressing.Headers!.FirstOrDefault(header => header.Id == HeaderId.Bcc) is { } bcc)
            {
                message.Headers.Add(bcc);
            }

            return new HeaderRecipientsMessage(upstream, rewritten, null);
        }
        catch
        {
            upstream.Dispose();
            throw;
        }
    }

    /// <summary>Writes the message's bytes; may be called more than once (a retried upload).</summary>
    public Task WriteAsync(Stream stream, CancellationToken cancellationToken) => Message.WriteToAsync(_format, stream, cancellationToken);

    /// <summary>"rewritten from …" or "kept", for the delivery log line.</summary>
    public string FromAction => Rewritten.FromRewritten ? $"rewritten from {Rewritten.OriginalFrom?.Address}" : "kept";

    public void Dispose() => _upstream.Dispose();
}
