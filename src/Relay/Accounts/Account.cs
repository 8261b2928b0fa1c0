using System.Net;

namespace Relay.Accounts;

/// <summary>An account as the relay uses it: its settings with the shared Google client filled in, and its routing rules parsed.</summary>
internal sealed record Account(
    string Name,
    string? Address,
    IReadOnlyList<string> Aliases,
    AccountTransport Transport,
    string? ClientId,
    string? ClientSecret,
    string? RefreshToken,
    string? ServiceAccountKeyFile,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> Senders,
    IReadOnlyList<IPNetwork> Networks)
{
    /// <summary>The name the single-account configuration (<c>Relay:Account</c>, <c>Relay:Google</c>) maps to.</summary>
    public const string DefaultName = "default";

    public const string GmailSendScope = "https://www.googleapis.com/auth/gmail.send";
    public const string FullMailScope = "https://mail.google.com/";

    /// <summary>True for the account the single-account configuration makes (its files keep their names from before several accounts).</summary>
    public bool IsDefaultName => string.Equals(Name, DefaultName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The record's text (in a log scope, an assertion message) leaves the client secret and the refresh token out.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Address = {Address}, Transport = {Transport}, ClientId = {ClientId}, ServiceAccountKeyFile = {ServiceAccountKeyFile}");
        return true;
    }

    /// <summary>
    /// The name of one of this account's files in the data folder: <paramref name="stem"/>.<paramref name="extension"/>
    /// for the account named <c>default</c> (the names of every relay before several accounts, so an upgrade finds them),
    /// <paramref name="stem"/>.NAME.<paramref name="extension"/> for any other.
    /// </summary>
    public static string FileName(string account, string stem, string extension) =>
        string.Equals(account, DefaultName, StringComparison.OrdinalIgnoreCase) ? $"{stem}.{extension}" : $"{stem}.{account.ToLowerInvariant()}.{extension}";

    /// <summary>The command that authorizes this account from a terminal.</summary>
    public string AuthorizeCommand => IsDefaultName ? "relay authorize" : $"relay authorize --account {Name}";

    /// <summary>The Gmail scope this account's transport needs (the authorization adds <c>openid email</c>).</summary>
    public string Scope => Transport == AccountTransport.GmailApi ? GmailSendScope : FullMailScope;
}
