using MailKit.Net.Smtp;
using MimeKit;

namespace Relay.Outbound;

/// <summary>
/// MailKit's client, except that a refused recipient is recorded instead of aborting the whole message, so the
/// others still get it (when every recipient is refused, <see cref="RecipientsRefusedException"/> carries the
/// replies), and that the message is sent as <see cref="UpstreamMessage"/> made it: MailKit's own preparation, which
/// re-chooses every part's transfer encoding, is skipped.
/// </summary>
internal sealed class RecordingSmtpClient : SmtpClient
{
    private readonly List<RecipientRefusal> _refused = [];

    /// <summary>
    /// BDAT (RFC 3030) where the upstream offers CHUNKING, as Gmail does: the message goes in the same flush as MAIL and
    /// RCPT (one round trip less than DATA's 354), and as its bytes, with no dot-stuffing pass over them.
    /// </summary>
    protected override bool PreferSendAsBinaryData => true;
    private IReadOnlyDictionary<MailboxAddress, string> _originals = new Dictionary<MailboxAddress, string>();

    /// <summary>Recipients refused during the last send.</summary>
    public IReadOnlyList<RecipientRefusal> Refused => [.. _refused];

    public UpstreamCapabilities Offers => new(
        Capabilities.HasFlag(SmtpCapabilities.EightBitMime),
        Capabilities.HasFlag(SmtpCapabilities.UTF8));

    /// <param name="recipients">Each envelope recipient as spooled, with the address MailKit sends; refusals name the spooled form.</param>
    /// <param name="refusedBeforehand">Recipients already known to be undeliverable; reported with those the upstream refuses.</param>
    public async Task<string> SendRecordingAsync(
        FormatOptions format,
        MimeMessage message,
        MailboxAddress sender,
        IReadOnlyList<(string Spooled, MailboxAddress Address)> recipients,
        IReadOnlyList<RecipientRefusal> refusedBeforehand,
        CancellationToken cancellationToken)
    {
        _refused.Clear();
        _refused.AddRange(refusedBeforehand);
        _originals = recipients.ToDictionary(r => r.Address, r => r.Spooled, ReferenceEqualityComparer.Instance as IEqualityComparer<MailboxAddress>);
        if (recipients.Count == 0)
        {
            throw new RecipientsRefusedException(Refused);
        }

        return await SendAsync(format, message, sender, recipients.Select(r => r.Address), cancellationToken);
    }

    // UpstreamMessage already did the one change allowed (re-encoding a part the upstream cannot carry).
    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _refused.Add(new RecipientRefusal(
            _originals.TryGetValue(mailbox, out var spooled) ? spooled : mailbox.Address,
            (int)response.StatusCode,
            DeliveryClassifier.OneLine(response.Response)));

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new RecipientsRefusedException(Refused);
}
