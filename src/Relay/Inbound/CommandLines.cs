using SmtpServer;
using SmtpServer.Protocol;

namespace Relay.Inbound;

/// <summary>
/// What the relay reads of a session's command lines, beside SmtpServer: the length limits of RFC 5321 §4.5.3.1 (a
/// command line over 512 octets gets <c>500 5.5.2</c>; MAIL FROM may carry SIZE, BODY and SMTPUTF8 on top, AUTH up to
/// RFC 4954's 12,288), the address of MAIL FROM and RCPT TO as the client wrote it, and when DATA is being received.
/// </summary>
internal static class CommandLines
{
    public const int MaxCommandLine = 512;
    public const int MaxMailLine = MaxCommandLine + 50;
    public const int MaxAuthLine = 12_288;

    /// <summary>Called when a session starts, before anything else watches its commands (a refused command is never executed).</summary>
    public static void Watch(ISessionContext context)
    {
        if (context.Pipe is not SocketPipe pipe)
        {
            return;
        }

        context.CommandExecuting += (_, e) =>
        {
            var limit = e.Command switch
            {
                MailCommand => MaxMailLine,
                AuthCommand => MaxAuthLine,
                _ => MaxCommandLine,
            };
            if (pipe.Reader.LastLineLength > limit)
            {
                throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)500, $"5.5.2 Line too long: a command line is at most {limit} octets"));
            }

            if (e.Command is DataCommand)
            {
                pipe.InData = true;
            }
        };
        context.CommandExecuted += (_, e) =>
        {
            if (e.Command is DataCommand or RsetCommand)
            {
                pipe.InData = false;
                pipe.Memory.Release(); // a transaction reset, or a DATA that ended without its dot: it needs none
            }
        };
    }

    /// <summary>The address of the MAIL FROM or RCPT TO being executed, read from its bytes; null when they are not at hand.</summary>
    public static SmtpPath? CommandPath(this ISessionContext context, bool smtpUtf8 = false) =>
        context.Pipe is SocketPipe { Reader.LastLine: { IsEmpty: false } line } ? SmtpPath.Parse(line.Span, smtpUtf8) : null;
}
