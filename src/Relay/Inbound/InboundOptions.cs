namespace Relay.Inbound;

/// <summary><c>Relay:Inbound</c>: the SMTP listener the legacy applications talk to.</summary>
internal sealed class InboundOptions
{
    public const string Section = "Relay:Inbound";

    /// <summary>Gmail's own limit, advertised in EHLO: anything bigger would be refused upstream.</summary>
    public const int GmailMaxMessageSize = 35_882_577;

    public string Address { get; set; } = "0.0.0.0";
    public int Port { get; set; } = 2525;

    /// <summary>
    /// Networks (CIDR, IPv4 and IPv6, or single addresses) whose clients may use the relay; others get 554 5.7.1. Empty:
    /// loopback and the private ranges (10/8, 172.16/12, 192.168/16, fc00::/7), which covers Docker networks. In a
    /// container, the container's gateway is accepted only when listed on its own (see <see cref="ClientNetworks"/>).
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>
    /// In Docker: the host address the SMTP port is published on (docker-compose.yml passes <c>RELAY_SMTP_BIND</c>). When it
    /// is a loopback or private (LAN) address, clients relayed by Docker's proxy, which all come from the container's
    /// gateway (programs on the host, for one), are accepted: only this host and its LAN can reach that address. Empty:
    /// the gateway is a client of unknown origin, refused unless listed on its own in <see cref="AllowedNetworks"/>.
    /// </summary>
    public string? PublishedAddress { get; set; }

    /// <summary>Simultaneous SMTP connections, in all and from one client address; beyond, 421 4.7.0.</summary>
    public int MaxConnections { get; set; } = 100;
    public int MaxConnectionsPerClient { get; set; } = 20;

    /// <summary>Recipients of one message (Gmail's limit over SMTP); the next RCPT gets 452 4.5.3 and the client sends the rest in a new transaction.</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>
    /// When not empty, only these original senders (envelope MAIL FROM, and the header From) may send:
    /// addresses (<c>glpi@example.com</c>) or domains (<c>@example.com</c>). Others get 550 5.7.1.
    /// </summary>
    public List<string> AllowedSenders { get; set; } = [];

    /// <summary>Local SMTP logins (AUTH PLAIN/LOGIN). With none, AUTH is not offered.</summary>
    public List<LocalUserOptions> Users { get; set; } = [];

    /// <summary>With users configured: whether a client must log in (true), or may also send anonymously from an allowed network (false).</summary>
    public bool RequireAuth { get; set; }

    /// <summary>Offer STARTTLS on the SMTP port (for devices that insist on TLS); plain SMTP stays possible.</summary>
    public bool StartTls { get; set; }

    /// <summary>A second port where TLS starts at once (as 465 does); none when not set.</summary>
    public int? ImplicitTlsPort { get; set; }

    /// <summary>Certificate for local TLS: PEM (with <see cref="CertificateKeyFile"/>) or PFX. Read again when replaced. Empty: a self-signed one is generated.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertificateFile"/>, when it is not in the same file.</summary>
    public string? CertificateKeyFile { get; set; }

    /// <summary>Password of a PFX <see cref="CertificateFile"/>. Secret.</summary>
    public string? CertificatePassword { get; set; }

    public bool TlsEnabled => StartTls || ImplicitTlsPort is not null;

    /// <summary>The name in the greeting and EHLO reply.</summary>
    public string ServerName { get; set; } = "relay";

    public int MaxMessageSize { get; set; } = GmailMaxMessageSize;

    /// <summary>
    /// The memory that messages being received may take together, in bytes (each is held whole until its end of DATA).
    /// Beyond it a new transaction gets 452 4.3.1 and tries again later. At least <see cref="MaxMessageSize"/>.
    /// </summary>
    public long MessageMemory { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long the relay waits for the next command before closing an idle session.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// While a message is being received, how long the relay waits for its next bytes before closing the connection with
    /// 421 4.4.2 (RFC 5321 §4.5.3.2.6 suggests 10 minutes for the whole data block; a silent client needs less).
    /// </summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Upper bound of a whole session. SmtpServer counts it from connect (not from the last command), so it must be
    /// long enough for a big message on a slow link: one hour lets 35 MB through at 10 KB/s.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>On shutdown, how long messages still being received may take to finish and get their 250.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
