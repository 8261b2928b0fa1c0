using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Relay.Outbound;

internal sealed class OutboundOptionsValidator : IValidateOptions<OutboundOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboundOptions options)
    {
        var errors = new OptionsErrors(OutboundOptions.Section);
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add(nameof(options.Host), "must name the upstream SMTP server, such as smtp.gmail.com.");
        }

        errors.Port(nameof(options.Port), options.Port);
        if (!string.IsNullOrEmpty(options.TrustedCaFile))
        {
            CheckCaFile(errors, options.TrustedCaFile);
        }

        if (options.Concurrency is < 1 or > 64)
        {
            errors.Add(nameof(options.Concurrency), $"must be between 1 and 64 connections; it is {options.Concurrency}.");
        }

        errors.Positive(nameof(options.Timeout), options.Timeout);
        errors.Positive(nameof(options.RetryInitialDelay), options.RetryInitialDelay);
        errors.Positive(nameof(options.AuthorizationRetryDelay), options.AuthorizationRetryDelay);
        errors.Positive(nameof(options.QuotaRetryDelay), options.QuotaRetryDelay);
        errors.Positive(nameof(options.MaxAge), options.MaxAge);
        if (options.RetryMaxDelay < options.RetryInitialDelay)
        {
            errors.Add(nameof(options.RetryMaxDelay), $"must not be shorter than RetryInitialDelay ({options.RetryInitialDelay}); it is {options.RetryMaxDelay}.");
        }

        return errors.Result;
    }

    private static void CheckCaFile(OptionsErrors errors, string path)
    {
        if (!File.Exists(path))
        {
            errors.Add(nameof(OutboundOptions.TrustedCaFile), $"names '{path}', which does not exist. Give the path of a PEM file of CA certificates, or remove the key.");
            return;
        }

        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            if (certificates.Count == 0)
            {
                errors.Add(nameof(OutboundOptions.TrustedCaFile), $"names '{path}', which holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
            }
        }
        catch (CryptographicException ex)
        {
            errors.Add(nameof(OutboundOptions.TrustedCaFile), $"names '{path}', which cannot be read as PEM certificates: {ex.Message}");
        }
    }
}
