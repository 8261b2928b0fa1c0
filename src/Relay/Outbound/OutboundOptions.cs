namespace Relay.Outbound;

/// <summary><c>Relay:Outbound</c>: the upstream (Gmail) connection and the delivery worker.</summary>
internal sealed class OutboundOptions
{
    public const string Section = "Relay:Outbound";

    public string Host { get; set; } = "smtp.gmail.com";
    public int Port { get; set; } = 587;

    /// <summary>PEM file of extra CA certificates trusted for the upstream (a private CA, a TLS-inspecting proxy). Validation stays on.</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>Messages delivered at once, each on its own reused upstream connection.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>Limit for each upstream read or write.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Wait after the first temporary failure; doubled at each further failure (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A message still not delivered this long after it was queued goes to the dead letters with its last error.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(5);

    /// <summary>While the account's token is refused, the queue is held and one message tries again this often.</summary>
    public TimeSpan AuthorizationRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>While Gmail's sending limit is reached (550 5.4.5, 421 4.7.0), the queue is held and one message tries again this often.</summary>
    public TimeSpan QuotaRetryDelay { get; set; } = TimeSpan.FromMinutes(15);
}
