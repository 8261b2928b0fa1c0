using System.Net.Sockets;
using System.Text;

namespace Relay.FunctionalTests;

/// <summary>A bare SMTP conversation, for what a library client would not send (slow DATA, oversize DATA, a stop mid-DATA).</summary>
internal sealed class RawSmtp : IDisposable
{
    private readonly TcpClient _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RawSmtp(TcpClient socket)
    {
        _socket = socket;
        _stream = socket.GetStream();
        _reader = new StreamReader(_stream, Encoding.ASCII);
    }

    /// <summary>Connects and reads the greeting.</summary>
    public static async Task<RawSmtp> ConnectAsync(int port)
    {
        var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", port);
        var smtp = new RawSmtp(socket);
        smtp.Greeting = await smtp.ExpectAsync("220");
        return smtp;
    }

    /// <summary>The 220 greeting read on connect.</summary>
    public string Greeting { get; private set; } = string.Empty;

    /// <summary>HELO, MAIL, RCPT and DATA, up to the 354: what follows is the message.</summary>
    public async Task BeginDataAsync(string from, string to)
    {
        await SendAsync("HELO legacy.local", "250");
        await SendAsync($"MAIL FROM:<{from}>", "250");
        await SendAsync($"RCPT TO:<{to}>", "250");
        await SendAsync("DATA", "354");
    }

    /// <summary>Bytes with no line break added.</summary>
    public async Task WriteRawAsync(string text) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));

    public async Task WriteAsync(string line) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));

    public async Task<string> SendAsync(string line, string expectedCode)
    {
        await WriteAsync(line);
        return await ExpectAsync(expectedCode);
    }

    public async Task<string> ExpectAsync(string expectedCode)
    {
        string? line;
        var all = new StringBuilder();
        do
        {
            line = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(line);
            all.AppendLine(line);
        }
        while (line.Length > 3 && line[3] == '-');

        Assert.StartsWith(expectedCode, line, StringComparison.Ordinal);
        return all.ToString();
    }

    /// <summary>One whole transaction on a new connection: EHLO, MAIL (with <paramref name="mailParameters"/>), RCPT, DATA; returns the reply to the message.</summary>
    public static async Task<string> SendOneAsync(int port, string from, string to, byte[] message, string mailParameters = "")
    {
        using var smtp = await ConnectAsync(port);
        await smtp.SendAsync("EHLO legacy.local", "250");
        await smtp.SendAsync($"MAIL FROM:<{from}>{(mailParameters.Length == 0 ? "" : " " + mailParameters)}", "250");
        await smtp.SendAsync($"RCPT TO:<{to}>", "250");
        await smtp.SendAsync("DATA", "354");
        return await smtp.SendMessageAsync(message, "250");
    }

    /// <summary>A command line in UTF-8 (for SMTPUTF8 addresses).</summary>
    public async Task<string> SendUtf8Async(string line, string expectedCode)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
        return await ExpectAsync(expectedCode);
    }

    /// <summary>After the 354: the message's bytes as they are (dot-stuffed), then the lone dot; returns the reply.</summary>
    public async Task<string> SendMessageAsync(byte[] message, string expectedCode)
    {
        var stuffed = new MemoryStream();
        var lineStart = true;
        foreach (var b in message)
        {
            if (lineStart && b == (byte)'.')
            {
                stuffed.WriteByte((byte)'.');
            }

            stuffed.WriteByte(b);
            lineStart = b == (byte)'\n';
        }

        stuffed.Write(".\r\n"u8);
        await _stream.WriteAsync(stuffed.ToArray());
        return await ExpectAsync(expectedCode);
    }

    /// <summary>Whether the relay closed the connection (end of stream) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedAsync(TimeSpan timeout)
    {
        try
        {
            return await _reader.ReadLineAsync().WaitAsync(timeout) is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();
}
