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

    /// <summary>Pause of the whole queue after the upstream refused the account's token even after a refresh.</summary>
    public TimeSpan AuthorizationRetryDelay { get; set; } = TimeSpan.FromMinutes(5);
}
