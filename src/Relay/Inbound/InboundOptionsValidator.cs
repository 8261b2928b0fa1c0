using Microsoft.Extensions.Options;

namespace Relay.Inbound;

internal sealed class InboundOptionsValidator : IValidateOptions<InboundOptions>
{
    public ValidateOptionsResult Validate(string? name, InboundOptions options)
    {
        var errors = new OptionsErrors(InboundOptions.Section);
        errors.IpAddress(nameof(options.Address), options.Address);
        errors.Port(nameof(options.Port), options.Port, allowZero: true);
        if (string.IsNullOrWhiteSpace(options.ServerName))
        {
            errors.Add(nameof(options.ServerName), "must not be empty.");
        }

        if (options.MaxMessageSize <= 0)
        {
            errors.Add(nameof(options.MaxMessageSize), $"must be a positive number of bytes (Gmail's limit is {InboundOptions.GmailMaxMessageSize}); it is {options.MaxMessageSize}.");
        }

        if (options.MessageMemory < options.MaxMessageSize)
        {
            errors.Add(nameof(options.MessageMemory), $"must be at least MaxMessageSize ({options.MaxMessageSize} bytes), or no message that large could ever be received; it is {options.MessageMemory}.");
        }

        for (var i = 0; i < options.AllowedNetworks.Count; i++)
        {
            if (!ClientNetworks.TryParse(options.AllowedNetworks[i], out _))
            {
                errors.Add($"{nameof(options.AllowedNetworks)}:{i}", $"must be a network in CIDR form such as 192.168.1.0/24 or fd00::/8, or one address such as 192.168.1.50; it is '{options.AllowedNetworks[i]}'.");
            }
        }

        if (options.PublishedAddress is { Length: > 0 } published && !System.Net.IPAddress.TryParse(published, out _))
        {
            errors.Add(nameof(options.PublishedAddress), $"must be the IP address Docker publishes the SMTP port on, such as 127.0.0.1 or 192.168.1.10; it is '{published}'.");
        }

        for (var i = 0; i < options.AllowedSenders.Count; i++)
        {
            var sender = options.AllowedSenders[i];
            if (sender.StartsWith('@') ? sender.Length < 3 : !System.Net.Mail.MailAddress.TryCreate(sender, out _))
            {
                errors.Add($"{nameof(options.AllowedSenders)}:{i}", $"must be an address (app@example.com) or a domain (@example.com); it is '{sender}'.");
            }
        }

        if (options.MaxConnections < 1 || options.MaxConnectionsPerClient < 1 || options.MaxConnectionsPerClient > options.MaxConnections)
        {
            errors.Add(nameof(options.MaxConnections), $"and MaxConnectionsPerClient must be at least 1, the second not above the first; they are {options.MaxConnections} and {options.MaxConnectionsPerClient}.");
        }

        if (options.MaxRecipients is < 1 or > 1000)
        {
            errors.Add(nameof(options.MaxRecipients), $"must be between 1 and 1000 (Gmail takes 100 per message over SMTP); it is {options.MaxRecipients}.");
        }

        for (var i = 0; i < options.Users.Count; i++)
        {
            var user = options.Users[i];
            if (string.IsNullOrWhiteSpace(user.Name))
            {
                errors.Add($"{nameof(options.Users)}:{i}:Name", "must not be empty.");
            }

            if (user.PasswordHash is { Length: > 0 } hash ? !LocalUsers.IsHash(hash) : string.IsNullOrEmpty(user.Password))
            {
                errors.Add($"{nameof(options.Users)}:{i}", "needs a Password, or a PasswordHash as 'relay hash-password' prints it (pbkdf2-sha256$…).");
            }
        }

        if (options.RequireAuth && options.Users.Count == 0)
        {
            errors.Add(nameof(options.RequireAuth), "is true but no user is configured under Relay:Inbound:Users: no client could send.");
        }

        if (options.ImplicitTlsPort is { } implicitTls)
        {
            errors.Port(nameof(options.ImplicitTlsPort), implicitTls, allowZero: true);
        }

        if (options.CertificateFile is { Length: > 0 } certificate)
        {
            try
            {
                using var _ = ServerCertificate.Load(options);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or ArgumentException or UnauthorizedAccessException)
            {
                errors.Add(nameof(options.CertificateFile), $"'{certificate}' cannot be loaded ({ex.Message}). Give a PEM certificate with CertificateKeyFile, or a PFX with CertificatePassword.");
            }
        }

        errors.Positive(nameof(options.CommandTimeout), options.CommandTimeout);
        errors.Positive(nameof(options.SessionTimeout), options.SessionTimeout);
        errors.Positive(nameof(options.DataTimeout), options.DataTimeout);
        errors.Positive(nameof(options.DrainTimeout), options.DrainTimeout);
        return errors.Result;
    }
}
