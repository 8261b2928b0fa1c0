using Relay.Accounts;
using Relay.Outbound.GmailApi;
using Relay.Outbound.Graph;
using Relay.Spool;

namespace Relay.Outbound;

/// <summary>
/// How an account's messages leave the relay (<see cref="AccountTransport"/>). Each delivery loop owns one, for one
/// account; it need not be thread-safe.
/// </summary>
internal interface IMessageTransport : IAsyncDisposable
{
    /// <summary>
    /// Sends the spooled message with its From rewritten to <paramref name="sender"/> (the account's Google address);
    /// what came of it is an outcome, never an exception (except cancellation by <paramref name="cancellationToken"/>).
    /// </summary>
    Task<DeliveryOutcome> SendAsync(string sender, SpoolEntry entry, CancellationToken cancellationToken);

    /// <summary>The transport an account's settings ask for.</summary>
    static IMessageTransport For(RelayAccount account, IServiceProvider services) => account.Settings.Transport switch
    {
        AccountTransport.GmailApi => ActivatorUtilities.CreateInstance<GmailApiTransport>(services, account),
        AccountTransport.Graph => ActivatorUtilities.CreateInstance<GraphTransport>(services, account),
        _ => ActivatorUtilities.CreateInstance<SmtpTransport>(services, account, account.Tokens),
    };
}
