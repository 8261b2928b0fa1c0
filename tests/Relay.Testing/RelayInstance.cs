using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Relay.Inbound;
using Relay.Outbound;
using Relay.Spool;

namespace Relay.Testing;

/// <summary>One running relay host, with what tests need to talk to it and to watch it.</summary>
internal sealed class RelayInstance : IAsyncDisposable
{
    private readonly Channel<(SpoolEntry Entry, DeliveryOutcome Outcome)> _outcomes = Channel.CreateUnbounded<(SpoolEntry, DeliveryOutcome)>();
    private bool _stopped;

    public RelayInstance(WebApplication app, LogCapture logs)
    {
        App = app;
        Logs = logs;
        Events.Recorded += (entry, outcome) => _outcomes.Writer.TryWrite((entry, outcome));
    }

    public WebApplication App { get; }
    public LogCapture Logs { get; }
    public int SmtpPort { get; private set; }
    public FileSpool Spool => App.Services.GetRequiredService<FileSpool>();
    public DeliveryEvents Events => App.Services.GetRequiredService<DeliveryEvents>();
    public Accounts.AccountSet Accounts => App.Services.GetRequiredService<Accounts.AccountSet>();

    /// <summary>The relay's account named <paramref name="name"/>; the default account when null.</summary>
    public Accounts.RelayAccount Account(string? name = null) => Accounts.Find(name) ?? throw new InvalidOperationException($"No account '{name}'.");

    /// <summary>The default account's hold and tokens.</summary>
    public DeliveryGate Gate => Account().Gate;
    public OAuth.IAccessTokenSource Tokens => Account().Tokens;

    /// <summary>The encrypted token store of an account, read and written as the relay does.</summary>
    public OAuth.TokenStore TokenStore(string account = Relay.Accounts.Account.DefaultName) => new(
        OAuth.TokenStore.PathIn(App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RelayOptions>>().Value.DataPath, account),
        App.Services.GetRequiredService<OAuth.SecretBox>(),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<OAuth.TokenStore>.Instance);
    public string LoginSecret => App.Services.GetRequiredService<Relay.Web.LoginSecret>().Value;

    /// <summary>The web listener's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public string WebAddress => App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First() + "/";

    internal async Task InitializeAsync()
    {
        var bound = await App.Services.GetRequiredService<InboundListenerFactory>().Bound.WaitAsync(TimeSpan.FromSeconds(30));
        SmtpPort = bound.Port;
    }

    /// <summary>Waits for the next recorded delivery attempt that matches <paramref name="match"/> (any, when null).</summary>
    public async Task<(SpoolEntry Entry, DeliveryOutcome Outcome)> NextOutcomeAsync(Func<DeliveryOutcome, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var next = await _outcomes.Reader.ReadAsync(cts.Token);
            if (match is null || match(next.Outcome))
            {
                return next;
            }
        }
    }

    /// <summary>
    /// Like <see cref="NextOutcomeAsync"/>, for a relay on a <see cref="SteppingClock"/>: whenever nothing has happened for
    /// a moment, moves the clock straight to the next time a timer of the relay is due (a retry, a hold's probe, a quota
    /// window), until the outcome comes; never while a message is being delivered.
    /// </summary>
    public async Task<(SpoolEntry Entry, DeliveryOutcome Outcome)> NextOutcomeAdvancingAsync(SteppingClock clock, Func<DeliveryOutcome, bool> match)
    {
        using var overall = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
            quiet.CancelAfter(TimeSpan.FromMilliseconds(100));
            try
            {
                var next = await _outcomes.Reader.ReadAsync(quiet.Token);
                if (match(next.Outcome))
                {
                    return next;
                }
            }
            catch (OperationCanceledException) when (!overall.IsCancellationRequested)
            {
                if (Spool.LeasedCount == 0) // never in the middle of an attempt, however slow the machine
                {
                    clock.AdvanceToNextDue();
                }
            }
        }
    }

    /// <summary>A MailKit client connected to the relay's SMTP port (plain, no TLS, no AUTH: as a legacy app).</summary>
    public async Task<SmtpClient> ConnectClientAsync()
    {
        var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", SmtpPort, SecureSocketOptions.None);
        return client;
    }

    public async Task<string> SendAsync(MimeMessage message)
    {
        using var client = await ConnectClientAsync();
        var reply = await client.SendAsync(message);
        await client.DisconnectAsync(true);
        return reply;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await App.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await App.DisposeAsync();
    }
}
