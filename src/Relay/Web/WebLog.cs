namespace Relay.Web;

internal static partial class WebLog
{
    [LoggerMessage(6001, LogLevel.Warning, "Open {LoginUrl} to authorize an account (Google or Microsoft) and see the relay's status (the link signs you in; the page listens on this machine only unless Relay:Web:Address says otherwise, so from another machine open an SSH tunnel first, with the link's port: ssh -L 8025:localhost:8025 user@this-host). This link is printed once: the login secret is kept in {SecretPath}")]
    public static partial void LoginLink(ILogger logger, string loginUrl, string secretPath);

    [LoggerMessage(6002, LogLevel.Information, "Web page: {LoginUrl} (sign in with Relay:Web:LoginSecret)")]
    public static partial void LoginPage(ILogger logger, string loginUrl);

    [LoggerMessage(6003, LogLevel.Information, "Web page: {LoginUrl} (sign in with the login secret kept in {SecretPath})")]
    public static partial void LoginPageWithSecretFile(ILogger logger, string loginUrl, string secretPath);

    /// <summary>The path and the Origin/Referer are the client's: cleaned of control characters (ClientText).</summary>
    public static void LogCrossSiteRefused(this ILogger logger, string path, string source) =>
        LogCrossSiteRefusedCore(logger, ClientText.Clean(path), ClientText.Clean(source));

    [LoggerMessage(6004, LogLevel.Warning, "Refused a {Path} request sent from another site ({Source})")]
    private static partial void LogCrossSiteRefusedCore(ILogger logger, string path, string source);

    [LoggerMessage(6005, LogLevel.Warning, "Relay runs in a container: the web port is published on 127.0.0.1 of the Docker host. From another machine, open an SSH tunnel first (ssh -L {Port}:localhost:{Port} user@docker-host), then open the link above in your own browser")]
    public static partial void SshTunnel(ILogger logger, int port);
}
