namespace Relay.Web;

internal static partial class WebLog
{
    [LoggerMessage(6001, LogLevel.Warning, "Open {LoginUrl} to authorize a Google account and see the relay's status (the link signs you in; from another machine, use this host's address)")]
    public static partial void LoginLink(ILogger logger, string loginUrl);

    [LoggerMessage(6002, LogLevel.Information, "Web page: {LoginUrl} (sign in with Relay:Web:LoginSecret)")]
    public static partial void LoginPage(ILogger logger, string loginUrl);
}
