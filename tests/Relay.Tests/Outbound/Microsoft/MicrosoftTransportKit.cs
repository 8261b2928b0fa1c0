using System.Buffers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Relay.Accounts;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Outbound.Graph;
using Relay.Rewrite;
using Relay.Spool;
using Relay.Testing;

namespace Relay.Tests.Outbound.Microsoft;

/// <summary>
/// The Microsoft transports over a real spool in a temp folder, talking to the fake Office 365 SMTP server and the
/// fake Graph, with the relay's own registrations (HttpClient, options) and every log line captured.
/// </summary>
internal sealed class MicrosoftTransportKit : IAsyncDisposable
{
    public const string Mailbox = "helpdesk@contoso.example";

    private readonly string _data = Directory.CreateTempSubdirectory("relay-ms-transport-").FullName;
    private readonly ServiceProvider _services;

    private MicrosoftTransportKit(FakeGmailServer office365, FakeGraphServer graph, OutboundOptions outbound)
    {
        Office365 = office365;
        Graph = graph;
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Options.Create(outbound));
        services.AddSingleton(Options.Create(new MicrosoftOptions { SmtpHost = "localhost", SmtpPort = office365.Port, GraphUrl = graph.BaseUrl }));
        services.AddSingleton(Options.Create(new RewriteOptions()));
        services.AddSingleton(Options.Create(new RelayOptions { DataPath = _data }));
        services.AddSingleton(Options.Create(new SpoolOptions()));
        services.AddSingleton<UpstreamCertificateValidator>();
        services.AddSingleton<FileSpool>();
        services.AddSingleton<RetrySchedule>();
        services.AddSingleton<DeliveryEvents>();
        services.AddSingleton<OutcomeRecorder>();
        services.AddGraph();
        _services = services.BuildServiceProvider();
        Spool = _services.GetRequiredService<FileSpool>();
        Spool.Start();
    }

    /// <summary>Office 365's SMTP submission service (its tokens: <see cref="SmtpTokens"/>).</summary>
    public FakeGmailServer Office365 { get; }

    public FakeGraphServer Graph { get; }

    /// <summary>Where Relay:Outbound points (Google's SMTP upstream): a port that refuses every connection.</summary>
    private static readonly ClosedPort GoogleUpstream = new();

    public LogCapture Logs { get; } = new();

    /// <summary>The one token the fake Office 365 SMTP server takes (for <see cref="Mailbox"/>); the tokens' first by default.</summary>
    public string ValidSmtpToken { get; set; } = "smtp-1";

    /// <summary>The one token the fake Graph takes (for <see cref="Mailbox"/>); the tokens' first by default.</summary>
    public string ValidGraphToken { get; set; } = "graph-1";

    public FileSpool Spool { get; }

    /// <summary>The Graph tokens of the account: Graph takes only the current one.</summary>
    public RotatingTokens GraphTokens { get; } = new(Mailbox, "graph-1") { AfterRefresh = "graph-2" };

    /// <summary>The SMTP tokens (smtp.office365.com): Office 365 takes only the current one.</summary>
    public RotatingTokens SmtpTokens { get; } = new(Mailbox, "smtp-1") { AfterRefresh = "smtp-2" };

    public static async Task<MicrosoftTransportKit> StartAsync(int concurrency = 4)
    {
        var kit = default(MicrosoftTransportKit);
        var office365 = FakeGmailServer.Office365(TestCertificates.Server, (user, token) => kit!.ValidSmtpToken == token && user == Mailbox);
        var graph = await FakeGraphServer.StartAsync((mailbox, token) => kit!.ValidGraphToken == token && string.Equals(mailbox, Mailbox, StringComparison.OrdinalIgnoreCase));
        kit = new MicrosoftTransportKit(office365, graph, new OutboundOptions
        {
            Host = "127.0.0.1",
            Port = GoogleUpstream.Port, // Google's upstream, refusing every connection: never used by a Microsoft account
            TrustedCaFile = TestCertificates.CaPemFile,
            Timeout = TimeSpan.FromSeconds(20),
            Concurrency = concurrency,
        });
        return kit;
    }

    /// <summary>A Microsoft account of the relay; its tokens are <see cref="GraphTokens"/> for Graph, <see cref="SmtpTokens"/> for SMTP.</summary>
    public RelayAccount Account(AccountTransport transport, bool largeMessagesBySmtp = false, bool appOnly = false, IReadOnlyList<string>? aliases = null)
    {
        var settings = new Account("m365", Mailbox, aliases ?? [], transport, "client-id", "client-secret", null, null, [], [], [])
        {
            Provider = AccountProvider.Microsoft,
            Tenant = "contoso.example",
            AppOnly = appOnly,
            LargeMessagesBySmtp = largeMessagesBySmtp,
        };
        var time = _services.GetRequiredService<TimeProvider>();
        var gate = ActivatorUtilities.CreateInstance<DeliveryGate>(_services);
        var quota = new QuotaGuard(Options.Create(new QuotaOptions()), Path.Combine(_data, "quota.m365.json"), time, () => Mailbox);
        return transport == AccountTransport.Graph
            ? new RelayAccount(settings, GraphTokens, null, gate, quota, largeMessagesBySmtp ? SmtpTokens : null)
            : new RelayAccount(settings, SmtpTokens, null, gate, quota);
    }

    /// <summary>The transport the delivery worker would use for <paramref name="account"/>.</summary>
    public IMessageTransport Transport(RelayAccount account) => IMessageTransport.For(account, _services);

    public GraphSender GraphSender => _services.GetRequiredService<GraphSender>();

    /// <summary>Records outcomes as the delivery worker does (spool state, holds, log lines).</summary>
    public OutcomeRecorder Recorder => _services.GetRequiredService<OutcomeRecorder>();

    public Task<SpoolEntry> EnqueueAsync(string message, params string[] recipients) => EnqueueAsync(Encoding.UTF8.GetBytes(message), recipients);

    /// <summary>Spools the message for the account and leases it, as the delivery worker would before sending it.</summary>
    public async Task<SpoolEntry> EnqueueAsync(byte[] message, params string[] recipients)
    {
        await Spool.EnqueueAsync(
            new SpoolEntry { Id = "", MailFrom = "app@legacy.lan", Recipients = recipients, ClientAddress = "10.0.0.9", ReceivedAt = DateTimeOffset.UtcNow, Account = "m365" },
            new ReadOnlySequence<byte>(message),
            ReadOnlyMemory<byte>.Empty,
            CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await Spool.LeaseAsync(["m365"], timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Office365.DisposeAsync();
        await Graph.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
