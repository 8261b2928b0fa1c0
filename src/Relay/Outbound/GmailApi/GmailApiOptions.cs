namespace Relay.Outbound.GmailApi;

/// <summary><c>Relay:GmailApi</c>: where and how accounts with <c>Transport: GmailApi</c> send.</summary>
internal sealed class GmailApiOptions
{
    public const string Section = "Relay:GmailApi";

    /// <summary>The discovery document's maxSize for <c>users.messages.send</c>: 35 MiB, for the simple and the resumable upload alike.</summary>
    public const long MaxMessageSize = 36_700_160;

    public string BaseUrl { get; set; } = "https://gmail.googleapis.com";

    /// <summary>Limit for one HTTP exchange with the API (one upload, or one answer).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Messages up to this size go in one request (<c>uploadType=media</c>); bigger ones through a resumable upload session.</summary>
    public long ResumableThreshold { get; set; } = 5 * 1024 * 1024;
}
