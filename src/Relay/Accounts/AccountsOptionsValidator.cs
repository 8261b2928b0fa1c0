using System.Net.Mail;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Relay.OAuth;

namespace Relay.Accounts;

/// <summary>
/// Checks <c>Relay:Accounts</c> and <c>Relay:Routing</c> (every problem at once, each naming its key and the fix), and
/// that the single-account keys are not mixed with the list: with a list, the account and its token belong in an entry.
/// </summary>
internal sealed partial class AccountsOptionsValidator(
    IOptions<RoutingOptions> routing, IOptions<AccountOptions> legacyAccount, IOptions<GoogleOptions> google, IOptions<Inbound.InboundOptions> inbound,
    IOptions<MicrosoftOptions>? microsoft = null) : IValidateOptions<AccountsOptions>
{
    /// <summary>The tenants that name a kind of account rather than one organisation: app-only needs the organisation's own.</summary>
    private static readonly string[] SharedTenants = ["organizations", "common", "consumers"];

    public ValidateOptionsResult Validate(string? name, AccountsOptions options)
    {
        var errors = new OptionsErrors(AccountsOptions.Section);
        if (options.Accounts.Count == 0)
        {
            if (!string.IsNullOrWhiteSpace(routing.Value.Default) && !string.Equals(routing.Value.Default, Account.DefaultName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("Routing:Default", $"names '{routing.Value.Default}', but Relay:Accounts is empty, so the only account is the single-account configuration, named '{Account.DefaultName}'. Remove Relay:Routing:Default or list the accounts in Relay:Accounts.");
            }

            var single = Logins();
            for (var i = 0; i < single.Count; i++)
            {
                if (!string.IsNullOrWhiteSpace(single[i].Account) && !string.Equals(single[i].Account, Account.DefaultName, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"Inbound:Users:{i}:Account", $"names '{single[i].Account}', but Relay:Accounts is empty, so the only account is '{Account.DefaultName}'. Remove it or list the accounts in Relay:Accounts.");
                }
            }

            return errors.Result;
        }

        if (!string.IsNullOrEmpty(legacyAccount.Value.Address))
        {
            errors.Add("Account:Address", "is set together with Relay:Accounts: with a list of accounts, give each address in its entry (Relay:Accounts:N:Address) and remove Relay:Account.");
        }

        if (!string.IsNullOrEmpty(google.Value.RefreshToken) || !string.IsNullOrEmpty(google.Value.ServiceAccountKeyFile))
        {
            errors.Add("Google", "holds a refresh token or a service-account key together with Relay:Accounts: these belong to one account; authorize each account of the list, or give Relay:Accounts:N:ServiceAccountKeyFile.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var users = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase); // as Relay:Inbound:Users logins compare
        for (var i = 0; i < options.Accounts.Count; i++)
        {
            var account = options.Accounts[i];
            var key = $"Accounts:{i}";
            if (!SafeName().IsMatch(account.Name))
            {
                errors.Add($"{key}:Name", $"must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' (it names the account's token file); it is '{account.Name}'.");
            }
            else if (!names.Add(account.Name))
            {
                errors.Add($"{key}:Name", $"'{account.Name}' names two accounts (names compare without case): give each account its own name.");
            }

            errors.Email($"{key}:Address", account.Address);
            for (var a = 0; a < account.Aliases.Count; a++)
            {
                errors.Email($"{key}:Aliases:{a}", account.Aliases[a]);
            }

            if (account.Quota is { } quota)
            {
                Outbound.QuotaOptionsValidator.Check(errors, quota, $"{key}:Quota:");
                var microsoftPreset = quota.Preset == Outbound.QuotaPreset.Microsoft365;
                if (quota.Preset is not null && microsoftPreset != (account.Provider == AccountProvider.Microsoft))
                {
                    errors.Add($"{key}:Quota:Preset", $"is {quota.Preset}, the limits of {(microsoftPreset ? "Microsoft 365" : "Gmail")}, but the account is a {account.Provider} account: use {(microsoftPreset ? "Workspace or Consumer" : "Microsoft365")}, or leave it out for the provider's.");
                }

                if (account.Provider == AccountProvider.Microsoft && quota.MaxRecipientsPerMessage > Outbound.QuotaOptions.ExchangeRecipientsPerMessage)
                {
                    // Above it, RCPT would accept recipients that Exchange (and Graph at the end of DATA) then refuses with the whole message.
                    errors.Add($"{key}:Quota:MaxRecipientsPerMessage", $"is {quota.MaxRecipientsPerMessage}, more than the {Outbound.QuotaOptions.ExchangeRecipientsPerMessage} recipients Exchange Online takes in one message: use {Outbound.QuotaOptions.ExchangeRecipientsPerMessage} or less, or leave it out.");
                }
            }

            if (account.Provider == AccountProvider.Microsoft)
            {
                ValidateMicrosoft(errors, key, account);
            }
            else
            {
                ValidateGoogle(errors, key, account);
            }

            for (var u = 0; u < account.Users.Count; u++)
            {
                var user = account.Users[u];
                if (string.IsNullOrWhiteSpace(user))
                {
                    errors.Add($"{key}:Users:{u}", "is empty: give the name of a local login (Relay:Inbound:Users).");
                }
                else if (users.TryGetValue(user, out var other))
                {
                    errors.Add($"{key}:Users:{u}", $"'{user}' is routed to account '{other}' already: a local user goes out as one account.");
                }
                else
                {
                    users[user] = account.Name;
                }
            }

            for (var s = 0; s < account.Senders.Count; s++)
            {
                var sender = account.Senders[s];
                if (sender.StartsWith('@') ? sender.Length < 3 || sender.IndexOf('@', 1) >= 0 : !MailAddress.TryCreate(sender, out _))
                {
                    errors.Add($"{key}:Senders:{s}", $"must be an address (app@example.com) or a domain (@example.com); it is '{sender}'.");
                }
            }

            for (var n = 0; n < account.Networks.Count; n++)
            {
                if (!NetworkText.TryParse(account.Networks[n], out _))
                {
                    errors.Add($"{key}:Networks:{n}", $"must be a network in CIDR form (192.168.10.0/24, fd00::/8) or one address; it is '{account.Networks[n]}'.");
                }
            }
        }

        var logins = Logins();
        for (var i = 0; i < logins.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(logins[i].Account))
            {
                continue;
            }

            if (!names.Contains(logins[i].Account!))
            {
                errors.Add($"Inbound:Users:{i}:Account", $"names '{logins[i].Account}', which is not the Name of an account in Relay:Accounts ({string.Join(", ", names)}).");
            }
            else if (users.TryGetValue(logins[i].Name, out var other) && !string.Equals(other, logins[i].Account, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"Inbound:Users:{i}:Account", $"routes '{logins[i].Name}' to '{logins[i].Account}', but Relay:Accounts routes that user to '{other}' already: a local user goes out as one account.");
            }
        }

        if (!string.IsNullOrWhiteSpace(routing.Value.Default) && !names.Contains(routing.Value.Default))
        {
            errors.Add("Routing:Default", $"names '{routing.Value.Default}', which is not the Name of an account in Relay:Accounts ({string.Join(", ", names)}).");
        }

        return errors.Result;
    }

    /// <summary>The rules of a Google account: no Microsoft settings, its client or service account.</summary>
    private void ValidateGoogle(OptionsErrors errors, string key, AccountSettings account)
    {
        if (account.Transport == AccountTransport.Graph)
        {
            errors.Add($"{key}:Transport", $"is Graph, which sends through Microsoft 365: set Relay:{key}:Provider to Microsoft, or use Smtp or GmailApi for a Google account.");
        }

        foreach (var (field, value) in new[] { ("Tenant", account.Tenant), ("CertificateFile", account.CertificateFile) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                errors.Add($"{key}:{field}", $"is for Microsoft accounts only: set Relay:{key}:Provider to Microsoft, or remove it.");
            }
        }

        if (account.AppOnly)
        {
            errors.Add($"{key}:AppOnly", $"is for Microsoft accounts only; a Google Workspace account sends without a person's consent through a service account (ServiceAccountKeyFile).");
        }

        var hasClient = !string.IsNullOrEmpty(account.ClientId) || !string.IsNullOrEmpty(google.Value.ClientId);
        var hasServiceAccount = !string.IsNullOrEmpty(account.ServiceAccountKeyFile);
        if (account.Transport == AccountTransport.GmailApi && !hasClient && !hasServiceAccount)
        {
            errors.Add($"{key}:ClientId", $"is needed: account '{account.Name}' sends through the Gmail API, which needs a Google OAuth client (ClientId and ClientSecret here or in Relay:Google) or a service account (ServiceAccountKeyFile).");
        }

        if (!string.IsNullOrEmpty(account.ClientId) && string.IsNullOrEmpty(account.ClientSecret))
        {
            errors.Add($"{key}:ClientSecret", $"is required with Relay:{key}:ClientId: give the secret of that Google OAuth client (through the environment, not a committed file).");
        }

        if (!string.IsNullOrEmpty(account.RefreshToken) && string.IsNullOrEmpty(account.Address))
        {
            errors.Add($"{key}:Address", $"is required with Relay:{key}:RefreshToken: give the Google account the token belongs to.");
        }

        if (hasServiceAccount)
        {
            if (!File.Exists(account.ServiceAccountKeyFile))
            {
                errors.Add($"{key}:ServiceAccountKeyFile", $"names '{account.ServiceAccountKeyFile}', which does not exist. Give the JSON key of the service account (IAM → Service accounts → Keys).");
            }

            if (string.IsNullOrEmpty(account.Address))
            {
                errors.Add($"{key}:Address", "is required with a service account: give the Workspace account it sends as.");
            }
        }
    }

    /// <summary>The rules of a Microsoft account: its transport, its app registration, and what app-only needs.</summary>
    private void ValidateMicrosoft(OptionsErrors errors, string key, AccountSettings account)
    {
        var shared = microsoft?.Value ?? new MicrosoftOptions();
        if (account.Transport == AccountTransport.GmailApi)
        {
            errors.Add($"{key}:Transport", "is GmailApi, which is Google's: a Microsoft account sends with Smtp (smtp.office365.com) or Graph.");
        }

        if (account.LargeMessagesBySmtp && account.Transport != AccountTransport.Graph)
        {
            errors.Add($"{key}:LargeMessagesBySmtp", "applies to the Graph transport only (its messages over 4 MB go by SMTP): remove it, or set Transport to Graph.");
        }

        if (!string.IsNullOrEmpty(account.ServiceAccountKeyFile))
        {
            errors.Add($"{key}:ServiceAccountKeyFile", "is for Google accounts only: a Microsoft account sends without a person's consent with AppOnly and a ClientSecret or CertificateFile.");
        }

        if (!string.IsNullOrEmpty(account.RefreshToken))
        {
            errors.Add($"{key}:RefreshToken", "is for Google accounts only: authorize a Microsoft account on the page or with 'relay authorize', or make it AppOnly.");
        }

        if (string.IsNullOrEmpty(account.ClientId) && string.IsNullOrEmpty(shared.ClientId))
        {
            errors.Add($"{key}:ClientId", $"is needed: account '{account.Name}' signs in with Microsoft, which needs the Application (client) ID of an Entra ID app registration (here or in Relay:Microsoft:ClientId).");
        }

        var tenant = string.IsNullOrWhiteSpace(account.Tenant) ? shared.Tenant : account.Tenant;
        if (!string.IsNullOrEmpty(account.CertificateFile))
        {
            if (!account.AppOnly)
            {
                errors.Add($"{key}:CertificateFile", "is used by app-only sending: set AppOnly to true, or remove it (a person's authorization uses the client secret).");
            }
            else if (!File.Exists(account.CertificateFile))
            {
                errors.Add($"{key}:CertificateFile", $"names '{account.CertificateFile}', which does not exist. Give the PEM (certificate and private key) or PKCS#12 file whose certificate is uploaded to the app registration.");
            }
        }

        if (!account.AppOnly)
        {
            return;
        }

        if (string.IsNullOrEmpty(account.Address))
        {
            errors.Add($"{key}:Address", "is required with AppOnly: give the mailbox the app sends as.");
        }

        if (SharedTenants.Contains(tenant, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{key}:Tenant", $"is '{tenant}', but app-only sending signs in to one organisation: give its tenant ID or domain (Entra ID → Overview → Tenant ID).");
        }

        var ownSecret = string.IsNullOrEmpty(account.ClientId) ? shared.ClientSecret : account.ClientSecret;
        if (string.IsNullOrEmpty(ownSecret) && string.IsNullOrEmpty(account.CertificateFile))
        {
            errors.Add($"{key}:ClientSecret", "or CertificateFile is required with AppOnly: the app proves itself with one of them (Entra ID → App registrations → Certificates & secrets).");
        }
    }

    /// <summary>The local logins; none when Relay:Inbound itself is invalid (its own validator reports that).</summary>
    private List<Inbound.LocalUserOptions> Logins()
    {
        try
        {
            return inbound.Value.Users;
        }
        catch (OptionsValidationException)
        {
            return [];
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SafeName();
}
