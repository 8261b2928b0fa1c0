namespace Relay.Inbound;

/// <summary><c>Relay:Inbound</c>: the SMTP listener the legacy applications talk to.</summary>
internal sealed class InboundOptions
{
    public const string Section = "Relay:Inbound";

    /// <summary>Gmail's own limit, advertised in EHLO: anything bigger would be refused upstream.</summary>
    public const int GmailMaxMessageSize = 35_882_577;

    public string Address { get; set; } = "0.0.0.0";
    public int Port { get; set; } = 2525;

    /// <summary>The name in the greeting and EHLO reply.</summary>
    public string ServerName { get; set; } = "relay";

    public int MaxMessageSize { get; set; } = GmailMaxMessageSize;

    /// <summary>How long the relay waits for the next command before closing an idle session.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Upper bound of a whole session. SmtpServer counts it from connect (not from the last command), so it must be
    /// long enough for a big message on a slow link: one hour lets 35 MB through at 10 KB/s.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>On shutdown, how long messages still being received may take to finish and get their 250.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
