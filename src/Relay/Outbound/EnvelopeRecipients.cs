using System.Text;
using MimeKit;

namespace Relay.Outbound;

/// <summary>
/// The spooled envelope recipients as MailKit sends them. A recipient that cannot be sent over this upstream is
/// refused on its own (permanently), never taking the others down with it: an address MimeKit cannot build, or a
/// non-ASCII local part when the upstream has no SMTPUTF8 (a non-ASCII domain alone goes out as IDNA A-labels).
/// </summary>
internal static class EnvelopeRecipients
{
    public static (IReadOnlyList<(string Spooled, MailboxAddress Address)> Addresses, IReadOnlyList<RecipientRefusal> Refused) For(
        IReadOnlyList<string> recipients, UpstreamCapabilities upstream)
    {
        var addresses = new List<(string, MailboxAddress)>(recipients.Count);
        var refused = new List<RecipientRefusal>();
        foreach (var recipient in recipients)
        {
            MailboxAddress address;
            try
            {
                address = new MailboxAddress(string.Empty, recipient);
            }
            catch (ParseException ex)
            {
                refused.Add(new RecipientRefusal(recipient, 553, $"5.1.3 The relay cannot build this address ({ex.Message})"));
                continue;
            }

            if (!upstream.SmtpUtf8 && !Ascii.IsValid(address.LocalPart))
            {
                refused.Add(new RecipientRefusal(recipient, 553, "5.6.7 The local part is not ASCII and the upstream does not offer SMTPUTF8"));
                continue;
            }

            addresses.Add((recipient, address));
        }

        return (addresses, refused);
    }
}
