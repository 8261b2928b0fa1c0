using Relay.Accounts;
using Relay.Outbound;
using Relay.Spool;
using Relay.Web;

namespace Relay;

/// <summary>
/// The start-up work that reads or writes files, in one visible order, before any other hosted service starts (it is
/// registered first): spool recovery, login secret, each account's quota and token store or service account key, the upstream's extra CAs.
/// The constructors of these components only store their settings; each loads itself on first use when no host runs
/// (unit tests), so nothing is used half-made. The data-folder lock is taken before this, when the host is built.
/// </summary>
internal sealed class StartupSequence(FileSpool spool, AccountSet accounts, LoginSecret loginSecret, UpstreamCertificateValidator upstream) : IHostedService
{
    /// <summary>Runs the sequence; also for the diagnostic commands, which build the services without starting the host.</summary>
    /// <param name="serving">False for the diagnostic commands, which may run beside the relay itself: they neither
    /// recover the spool (that drops <c>spool/incoming</c>, where the running relay may be writing a message) nor make a
    /// login secret (one made by them would keep the relay's first start from printing the sign-in link that carries it).</param>
    public void Run(bool serving = true)
    {
        if (serving)
        {
            spool.Start();
        }

        if (serving)
        {
            loginSecret.Load();
        }

        accounts.Load(); // each account's quota counters, then its token store or key
        upstream.Load();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Run();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
