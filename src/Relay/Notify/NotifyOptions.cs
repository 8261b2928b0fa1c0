namespace Relay.Notify;

/// <summary><c>Relay:Notify</c>: who is told when mail is stuck, by e-mail and by webhook. Both are optional.</summary>
internal sealed class NotifyOptions
{
    public const string Section = "Relay:Notify";

    /// <summary>Where the notification e-mails go; they are sent through the relay's own account, like any other message.</summary>
    public string? To { get; set; }

    /// <summary>How long delivery must have been held (token refused, sending limit) before anyone is told.</summary>
    public TimeSpan HeldAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>An http(s) URL that receives each notification as a JSON POST (chat, incident tool).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Limit for one webhook POST.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>POSTs tried for one notification before it is given up (with a doubling pause between them).</summary>
    public int WebhookAttempts { get; set; } = 4;

    public bool Enabled => !string.IsNullOrWhiteSpace(To) || !string.IsNullOrWhiteSpace(WebhookUrl);
}
