using System.Globalization;
using System.Text;

namespace Relay.Inbound;

/// <summary>
/// The address of a <c>MAIL FROM</c> or <c>RCPT TO</c> command, read from the command line's bytes (RFC 5321 §4.1.2,
/// with RFC 6531's UTF-8): a quoted local part keeps its quotes and a UTF-8 domain its characters, which SmtpServer's
/// own parser loses. <see cref="Error"/> is the reply for an address the relay cannot deliver.
/// </summary>
internal sealed record SmtpPath(string? Address, bool SmtpUtf8, string? Error)
{
    /// <summary>RFC 5321 §4.5.3.1: the longest path (with its angle brackets), local part and domain, in octets.</summary>
    public const int MaxPath = 256, MaxLocalPart = 64, MaxDomain = 255;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>Parses "MAIL FROM:&lt;path&gt; params" or "RCPT TO:&lt;path&gt; params"; the null path gives a null address.</summary>
    /// <param name="line">The command line's bytes.</param>
    /// <param name="smtpUtf8">Whether the transaction's MAIL FROM carried SMTPUTF8 (for a RCPT line).</param>
    public static SmtpPath Parse(ReadOnlySpan<byte> line, bool smtpUtf8 = false)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(line).TrimEnd('\r', '\n');
        }
        catch (DecoderFallbackException)
        {
            return Refuse("553 5.1.3 The address is not valid UTF-8");
        }

        var open = text.IndexOf('<', StringComparison.Ordinal);
        var close = open < 0 ? -1 : ClosingBracket(text, open);
        if (close < 0)
        {
            return Refuse("501 5.1.3 Syntax error in the address: it must be written <local-part@domain>");
        }

        var parameters = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        smtpUtf8 |= parameters.Any(p => p.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase));
        if (Encoding.UTF8.GetByteCount(text.AsSpan(open, close - open + 1)) > MaxPath)
        {
            return Refuse($"501 5.1.3 The address is longer than {MaxPath} octets (RFC 5321 §4.5.3.1.3)");
        }

        var path = text[(open + 1)..close];
        if (path.Length == 0)
        {
            return new SmtpPath(null, smtpUtf8, null);
        }

        if (path[0] == '@')
        {
            // A source route (@relay1,@relay2:user@domain) is to be ignored (RFC 5321 §4.1.1.3).
            var colon = path.IndexOf(':', StringComparison.Ordinal);
            path = colon < 0 ? string.Empty : path[(colon + 1)..];
        }

        var error = Check(path, smtpUtf8, out var address);
        return new SmtpPath(error is null ? address : null, smtpUtf8, error);
    }

    private static SmtpPath Refuse(string error) => new(null, false, error);

    /// <summary>The refusal as SmtpServer sends it.</summary>
    public SmtpServer.Protocol.SmtpResponse? Refusal =>
        Error is null ? null : new SmtpServer.Protocol.SmtpResponse((SmtpServer.Protocol.SmtpReplyCode)int.Parse(Error[..3], CultureInfo.InvariantCulture), Error[4..]);

    private static string? Check(string path, bool smtpUtf8, out string address)
    {
        address = path;
        var at = LocalPartEnd(path);
        if (at <= 0 || at >= path.Length - 1 || path[at] != '@')
        {
            return "553 5.1.3 The address must be local-part@domain";
        }

        var local = path[..at];
        var domain = path[(at + 1)..];
        if (!Ascii.IsValid(path) && !smtpUtf8)
        {
            return "553 5.6.7 A non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM (RFC 6531)";
        }

        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPart)
        {
            return $"553 5.1.3 The local part is longer than {MaxLocalPart} octets";
        }

        if (local[0] == '"' ? !IsQuotedString(local) : !IsDotString(local))
        {
            return "553 5.1.3 The local part has characters an address cannot have unquoted";
        }

        if (DomainError(domain) is { } domainError)
        {
            return $"553 5.1.3 {domainError}";
        }

        try
        {
            _ = new MimeKit.MailboxAddress(string.Empty, path);
        }
        catch (MimeKit.ParseException ex)
        {
            return $"553 5.1.3 The relay cannot send to this address ({ex.Message.TrimEnd('.')})";
        }

        return null;
    }

    /// <summary>Where the local part ends: at the '@' after a quoted string or a dot-string.</summary>
    private static int LocalPartEnd(string path)
    {
        if (path.Length == 0 || path[0] != '"')
        {
            return path.IndexOf('@', StringComparison.Ordinal);
        }

        for (var i = 1; i < path.Length; i++)
        {
            if (path[i] == '\\')
            {
                i++;
            }
            else if (path[i] == '"')
            {
                return i + 1 < path.Length ? i + 1 : -1;
            }
        }

        return -1;
    }

    private static int ClosingBracket(string text, int open)
    {
        var quoted = false;
        for (var i = open + 1; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\' when quoted:
                    i++;
                    break;
                case '"':
                    quoted = !quoted;
                    break;
                case '>' when !quoted:
                    return i;
            }
        }

        return -1;
    }

    // atext (RFC 5322 §3.2.3) and, with SMTPUTF8, any non-ASCII character (RFC 6531 §3.3).
    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal) || c > 0x7F;

    private static bool IsDotString(string local) =>
        local.Split('.').All(atom => atom.Length > 0 && atom.All(IsAtext));

    // qtextSMTP (%d32-33 / %d35-91 / %d93-126, and UTF-8 with SMTPUTF8) or a quoted pair (backslash, %d32-126).
    private static bool IsQuotedString(string local)
    {
        if (local.Length < 2 || local[^1] != '"')
        {
            return false;
        }

        for (var i = 1; i < local.Length - 1; i++)
        {
            var c = local[i];
            if (c == '\\')
            {
                if (++i >= local.Length - 1 || local[i] < 32 || local[i] > 126)
                {
                    return false;
                }
            }
            else if (c == '"' || (c < 32) || c == 127)
            {
                return false;
            }
        }

        return true;
    }

    private static string? DomainError(string domain)
    {
        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            return null; // an address literal: the upstream decides
        }

        if (Encoding.UTF8.GetByteCount(domain) > MaxDomain)
        {
            return $"The domain is longer than {MaxDomain} octets";
        }

        try
        {
            var ascii = Idn.GetAscii(domain);
            return ascii.Split('.').All(label => label.Length is > 0 and <= 63) ? null : $"The domain {domain} has an empty or over-long label";
        }
        catch (ArgumentException)
        {
            return $"The domain {domain} is not a valid host name (letters, digits and hyphens, or an internationalized name)";
        }
    }
}
