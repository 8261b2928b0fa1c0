namespace Relay.Inbound;

internal static partial class InboundLog
{
    // Client-supplied text (sender, user name, a reason quoting either) is cleaned of control characters before it is
    // logged (ClientText): a public method cleans, the generated one writes.
    public static void Accepted(ILogger logger, string spoolId, long size, int recipientCount, string clientAddress, string mailFrom) =>
        AcceptedCore(logger, spoolId, size, recipientCount, clientAddress, ClientText.Clean(mailFrom));

    [LoggerMessage(1001, LogLevel.Information, "Accepted {SpoolId} ({Size} bytes, {RecipientCount} recipient(s)) from {ClientAddress}, MAIL FROM {MailFrom}")]
    private static partial void AcceptedCore(ILogger logger, string spoolId, long size, int recipientCount, string clientAddress, string mailFrom);

    [LoggerMessage(1002, LogLevel.Error, "Could not store a message from {ClientAddress}; answered 451 so the client keeps it")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string clientAddress);

    [LoggerMessage(1003, LogLevel.Information, "SMTP listening on {Endpoint} (max message size {MaxMessageSize} bytes)")]
    public static partial void Listening(ILogger logger, string endpoint, int maxMessageSize);

    [LoggerMessage(1004, LogLevel.Information, "SMTP listener stopping: new transactions get 421, {InData} message(s) still being received")]
    public static partial void Draining(ILogger logger, int inData);

    [LoggerMessage(1005, LogLevel.Warning, "SMTP session from {ClientAddress} failed")]
    public static partial void SessionFaulted(ILogger logger, Exception exception, string clientAddress);

    public static void Refused(ILogger logger, string clientAddress, string reason) => RefusedCore(logger, clientAddress, ClientText.Clean(reason));

    [LoggerMessage(1006, LogLevel.Warning, "Refused a client from {ClientAddress}: {Reason}")]
    private static partial void RefusedCore(ILogger logger, string clientAddress, string reason);

    public static void LoginFailed(ILogger logger, string clientAddress, string user, int failures) => LoginFailedCore(logger, clientAddress, ClientText.Clean(user), failures);

    [LoggerMessage(1007, LogLevel.Warning, "Failed SMTP login from {ClientAddress} as {User} ({Failures} failure(s) in a row)")]
    private static partial void LoginFailedCore(ILogger logger, string clientAddress, string user, int failures);

    [LoggerMessage(1008, LogLevel.Information, "Local TLS certificate {Subject} ({Thumbprint}), valid until {NotAfter:u}")]
    public static partial void CertificateLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(1009, LogLevel.Warning, "Generated a self-signed certificate for local TLS at {CertificatePath}; clients must accept it. Give your own with Relay:Inbound:CertificateFile")]
    public static partial void SelfSignedCertificate(ILogger logger, string certificatePath);

    [LoggerMessage(1010, LogLevel.Information, "SMTP with implicit TLS listening on {Endpoint}")]
    public static partial void ListeningTls(ILogger logger, string endpoint);

    [LoggerMessage(1011, LogLevel.Warning, "Closed the session of {ClientAddress}: {Reason} (DataIdle: no bytes for Relay:Inbound:DataTimeout in the middle of a message; LineTooLong: a command line with no end)")]
    public static partial void SessionClosed(ILogger logger, string clientAddress, SessionClose reason);

    [LoggerMessage(1012, LogLevel.Warning, "Relay:Inbound:AllowedNetworks contains the container's gateway {Gateway} (in {Network}), but clients coming from it are refused: " +
        "Docker's proxy hands over IPv6 clients, programs on the host and (rootless, Desktop) every client with that address, so their origin is unknown. " +
        "If the SMTP port is published on 127.0.0.1 or a LAN address only, set Relay:Inbound:PublishedAddress to that address (docker-compose.yml does), or list the gateway on its own")]
    public static partial void GatewayRefused(ILogger logger, string gateway, string network);

    [LoggerMessage(1013, LogLevel.Information, "Clients relayed by Docker's proxy (from the container's gateway {Gateway}) are accepted: the SMTP port is published on {PublishedAddress} only, or the gateway is listed on its own")]
    public static partial void GatewayAdmitted(ILogger logger, string gateway, string publishedAddress);
}
