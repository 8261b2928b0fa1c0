using MailKit.Net.Smtp;
using MimeKit;

namespace Relay.Outbound;

/// <summary>
/// MailKit's client, except that a refused recipient is recorded instead of aborting the whole message, so the
/// others still get it. When every recipient is refused, <see cref="RecipientsRefusedException"/> carries the replies.
/// </summary>
internal sealed class RecordingSmtpClient : SmtpClient
{
    private readonly List<RecipientRefusal> _refused = [];

    /// <summary>Recipients refused during the last send.</summary>
    public IReadOnlyList<RecipientRefusal> Refused => [.. _refused];

    public async Task<string> SendRecordingAsync(MimeMessage message, MailboxAddress sender, IEnumerable<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        _refused.Clear();
        return await SendAsync(message, sender, recipients, cancellationToken);
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        _refused.Add(new RecipientRefusal(mailbox.Address, (int)response.StatusCode, DeliveryClassifier.OneLine(response.Response)));

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new RecipientsRefusedException(Refused);
}
