using System.Text;

namespace Relay.Testing;

/// <summary>
/// Messages shaped as common clients send them, as raw bytes (CRLF line ends), for byte-for-byte round trips. Each one
/// has something a convenient library call would change: an 8bit label over ASCII, 8-bit data with no MIME headers,
/// quoted-printable and base64 parts, boundaries and preambles, CID references.
/// </summary>
public static class ClientShapedMessages
{
    public const string Sender = "glpi@helpdesk.local";

    /// <summary>msmtp, curl and Python's smtplib with <c>email.message</c> defaults: 8bit declared over plain ASCII.</summary>
    public static byte[] EightBitLabelOverAscii => Crlf($"""
        From: GLPI <{Sender}>
        To: alice@example.org
        Subject: Ticket #42 updated
        Date: Mon, 30 Nov 2026 10:00:00 +0000
        Message-ID: <8bit-ascii@helpdesk.local>
        MIME-Version: 1.0
        Content-Type: text/plain; charset="us-ascii"
        Content-Transfer-Encoding: 8bit

        The ticket was updated.
        Nothing but ASCII here.

        """);

    /// <summary>Python's <c>email</c> package with non-ASCII text (its default for utf-8 is 8bit with smtplib).</summary>
    public static byte[] PythonUtf8 => Crlf($"""
        Content-Type: text/plain; charset="utf-8"
        Content-Transfer-Encoding: 8bit
        MIME-Version: 1.0
        Subject: =?utf-8?q?R=C3=A9sum=C3=A9_du_ticket?=
        From: {Sender}
        To: alice@example.org

        Le ticket a été mis à jour — voir ci-dessous.
        Ligne avec des accents : àéîõü ß €.

        """);

    /// <summary>A cron job's mail: UTF-8 body and no MIME header at all.</summary>
    public static byte[] Utf8WithoutMimeHeaders => Crlf($"""
        From: cron@backup.lan
        To: alice@example.org
        Subject: backup report

        Sauvegarde terminée : 12 fichiers, 0 erreur.
        Prochaine exécution à 02:00.

        """);

    /// <summary>A raw UTF-8 header (RFC 6532), as sent by a client that speaks SMTPUTF8.</summary>
    public static byte[] Utf8Header => Crlf($"""
        From: Zoë <{Sender}>
        To: Jöe <joe@example.org>
        Subject: Réunion demain
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        À demain.

        """);

    /// <summary>PHPMailer (GLPI's mailer): alternative text and HTML in quoted-printable, and a base64 attachment.</summary>
    public static byte[] PhpMailerAlternativeWithAttachment => Crlf($"""
        Date: Mon, 30 Nov 2026 10:00:00 +0100
        To: alice@example.org
        From: GLPI <{Sender}>
        Reply-To: GLPI <noreply@helpdesk.local>
        Subject: =?UTF-8?Q?[GLPI_#0000042]_Nouveau_suivi?=
        Message-ID: <GLPI-42.1701334800.123456@helpdesk.local>
        X-Mailer: PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)
        MIME-Version: 1.0
        Content-Type: multipart/mixed;
         boundary="b1=_x8Gk2m9QwE"
        Content-Transfer-Encoding: 8bit

        This is a multi-part message in MIME format.
        --b1=_x8Gk2m9QwE
        Content-Type: multipart/alternative;
         boundary="b2=_x8Gk2m9QwE"

        --b2=_x8Gk2m9QwE
        Content-Type: text/plain; charset=UTF-8
        Content-Transfer-Encoding: quoted-printable

        Un nouveau suivi a =C3=A9t=C3=A9 ajout=C3=A9 au ticket.=20
        Ligne tr=C3=A8s longue coup=C3=A9e par une fin de ligne douce =
        ici.
        --b2=_x8Gk2m9QwE
        Content-Type: text/html; charset=UTF-8
        Content-Transfer-Encoding: quoted-printable

        <p>Un nouveau suivi a =C3=A9t=C3=A9 ajout=C3=A9 au ticket.</p>
        --b2=_x8Gk2m9QwE--

        --b1=_x8Gk2m9QwE
        Content-Type: text/csv; name="export.csv"
        Content-Transfer-Encoding: base64
        Content-Disposition: attachment; filename=export.csv

        aWQ7dGl0cmU7c3RhdHV0CjQyO0ltcHJpbWFudGUgaG9ycyBzZXJ2aWNlO291dmVydAo=

        --b1=_x8Gk2m9QwE--

        """);

    /// <summary>Symfony Mailer: alternative parts with 8bit text, header order of its own.</summary>
    public static byte[] SymfonyMailer => Crlf($"""
        From: {Sender}
        To: alice@example.org
        Subject: Commande =?utf-8?Q?exp=C3=A9di=C3=A9e?=
        Message-ID: <0c9a1f0e7b3d4a5b@helpdesk.local>
        MIME-Version: 1.0
        Date: Mon, 30 Nov 2026 10:00:00 +0000
        Content-Type: multipart/alternative; boundary=UZxyMRnE

        --UZxyMRnE
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        Votre commande a été expédiée.
        --UZxyMRnE
        Content-Type: text/html; charset=utf-8
        Content-Transfer-Encoding: 8bit

        <p>Votre commande a été expédiée.</p>
        --UZxyMRnE--

        """);

    /// <summary>An HTML newsletter with a CID image in multipart/related.</summary>
    public static byte[] RelatedWithCidImage => Crlf($"""
        From: {Sender}
        To: alice@example.org
        Subject: Newsletter
        MIME-Version: 1.0
        Content-Type: multipart/related; type="text/html"; boundary="rel-1"

        --rel-1
        Content-Type: text/html; charset=us-ascii
        Content-Transfer-Encoding: 7bit

        <html><body><img src="cid:logo@helpdesk.local"></body></html>
        --rel-1
        Content-Type: image/png
        Content-Transfer-Encoding: base64
        Content-ID: <logo@helpdesk.local>
        Content-Disposition: inline; filename="logo.png"

        iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
        --rel-1--

        """);

    /// <summary>An ERP invoice: a base64 PDF, lines of 76 characters.</summary>
    public static byte[] Base64Pdf
    {
        get
        {
            var pdf = Convert.ToBase64String(Encoding.ASCII.GetBytes("%PDF-1.4\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"{i} 0 obj << /Length {i * 7} >> endobj\n")) + "%%EOF\n"));
            var lines = string.Join("\n", pdf.Chunk(76).Select(chunk => new string(chunk)));
            return Crlf($"""
                From: {Sender}
                To: alice@example.org
                Subject: Invoice 2026-11-0042
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="----=_Part_0_1"

                ------=_Part_0_1
                Content-Type: text/plain; charset=us-ascii

                Please find the invoice attached.
                ------=_Part_0_1
                Content-Type: application/pdf; name=invoice.pdf
                Content-Transfer-Encoding: base64
                Content-Disposition: attachment; filename=invoice.pdf

                {lines}
                ------=_Part_0_1--

                """);
        }
    }

    /// <summary>A text part with one 1,200-octet line next to an attachment: only that part may be re-encoded.</summary>
    public static byte[] LongLine => Crlf($"""
        From: {Sender}
        To: alice@example.org
        Subject: Report with a long line
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="long-1"

        --long-1
        Content-Type: text/plain; charset=us-ascii
        Content-Transfer-Encoding: 7bit

        {new string('x', 1200)}
        short line
        --long-1
        Content-Type: text/plain; charset=us-ascii; name=notes.txt
        Content-Transfer-Encoding: 7bit
        Content-Disposition: attachment; filename=notes.txt

        These notes stay as they are.
        --long-1--

        """);

    /// <summary>An 8bit part and an ASCII part, for an upstream without 8BITMIME: only the 8bit one may be re-encoded.</summary>
    public static byte[] EightBitAndAsciiParts => Crlf($"""
        From: {Sender}
        To: alice@example.org
        Subject: Two parts
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="mix-1"

        --mix-1
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        Mis à jour.
        --mix-1
        Content-Type: text/plain; charset=us-ascii
        Content-Transfer-Encoding: 7bit

        Unchanged ASCII part.
        --mix-1--

        """);

    /// <summary>Normalizes a C# raw string literal (LF) to CRLF line ends, as SMTP carries them.</summary>
    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    public static IEnumerable<(string Name, byte[] Message)> All =>
    [
        (nameof(EightBitLabelOverAscii), EightBitLabelOverAscii),
        (nameof(PythonUtf8), PythonUtf8),
        (nameof(Utf8WithoutMimeHeaders), Utf8WithoutMimeHeaders),
        (nameof(Utf8Header), Utf8Header),
        (nameof(PhpMailerAlternativeWithAttachment), PhpMailerAlternativeWithAttachment),
        (nameof(SymfonyMailer), SymfonyMailer),
        (nameof(RelatedWithCidImage), RelatedWithCidImage),
        (nameof(Base64Pdf), Base64Pdf),
    ];
}
