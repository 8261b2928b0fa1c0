using System.Net;

namespace Relay.Accounts;

/// <summary>
/// Which account a message goes out as. The rules are tried by kind, from the most trustworthy and specific to the
/// broadest, and the first match wins:
/// <list type="number">
/// <item>the local AUTH user (without case, as the login compares it): proven by a password, and names one application;</item>
/// <item>the original sender, envelope MAIL FROM then header From, an exact address before an <c>@domain</c>: names the
/// application, but is only what the client claims;</item>
/// <item>the client network, the longest prefix first: shared by every program on that host or subnet;</item>
/// </list>
/// then the default account. Within one kind and the same specificity, accounts are tried in their configured order.
/// Null: no rule routes the message and there is no default, so it must be refused. Holds no state beyond the accounts.
/// </summary>
internal sealed class AccountRouter(EffectiveAccounts accounts)
{
    public Account? Route(string? authUser, string? mailFrom, string? headerFrom, IPAddress? clientAddress) =>
        ByUser(authUser)
        ?? BySender(mailFrom, headerFrom)
        ?? ByNetwork(clientAddress)
        ?? (accounts.DefaultName is { } name ? accounts.Find(name) : null);

    private Account? ByUser(string? user) =>
        string.IsNullOrEmpty(user) ? null : accounts.Accounts.FirstOrDefault(account => account.Users.Contains(user, StringComparer.OrdinalIgnoreCase));

    private Account? BySender(string? mailFrom, string? headerFrom)
    {
        string?[] senders = [mailFrom, headerFrom];
        foreach (var sender in senders.Where(s => !string.IsNullOrEmpty(s)))
        {
            if (accounts.Accounts.FirstOrDefault(account => account.Senders.Any(rule => !rule.StartsWith('@') && string.Equals(rule, sender, StringComparison.OrdinalIgnoreCase))) is { } exact)
            {
                return exact;
            }
        }

        foreach (var sender in senders.Where(s => !string.IsNullOrEmpty(s)))
        {
            var at = sender!.LastIndexOf('@');
            if (at < 0)
            {
                continue;
            }

            var domain = sender[at..];
            if (accounts.Accounts.FirstOrDefault(account => account.Senders.Any(rule => rule.StartsWith('@') && string.Equals(rule, domain, StringComparison.OrdinalIgnoreCase))) is { } byDomain)
            {
                return byDomain;
            }
        }

        return null;
    }

    private Account? ByNetwork(IPAddress? client)
    {
        if (client is null)
        {
            return null;
        }

        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        Account? best = null;
        var bestPrefix = -1;
        foreach (var account in accounts.Accounts)
        {
            foreach (var network in account.Networks.Where(network => network.Contains(address) && network.PrefixLength > bestPrefix))
            {
                best = account;
                bestPrefix = network.PrefixLength;
            }
        }

        return best;
    }
}
