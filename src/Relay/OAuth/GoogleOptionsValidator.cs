using Microsoft.Extensions.Options;
using Relay.Accounts;

namespace Relay.OAuth;

internal sealed class GoogleOptionsValidator(IOptions<AccountOptions> account) : IValidateOptions<GoogleOptions>
{
    public ValidateOptionsResult Validate(string? name, GoogleOptions options)
    {
        var errors = new OptionsErrors(GoogleOptions.Section);
        errors.AbsoluteUrl(nameof(options.TokenEndpoint), options.TokenEndpoint);
        errors.AbsoluteUrl(nameof(options.AuthorizationEndpoint), options.AuthorizationEndpoint);
        errors.AbsoluteUrl(nameof(options.RevocationEndpoint), options.RevocationEndpoint);
        if (!string.IsNullOrEmpty(options.RefreshToken))
        {
            if (string.IsNullOrEmpty(options.ClientId))
            {
                errors.Add(nameof(options.ClientId), "is required with a refresh token: give the client id of the Google OAuth client that issued it.");
            }

            if (string.IsNullOrEmpty(options.ClientSecret))
            {
                errors.Add(nameof(options.ClientSecret), "is required with a refresh token: give the secret of the Google OAuth client that issued it.");
            }

            if (string.IsNullOrEmpty(account.Value.Address))
            {
                errors.Add(nameof(options.RefreshToken), $"is set but {AccountOptions.Section}:Address is not: give the Google account the token belongs to (environment: Relay__Account__Address).");
            }
        }

        if (options.ServiceAccountKeyFile is { Length: > 0 } keyFile)
        {
            if (!File.Exists(keyFile))
            {
                errors.Add(nameof(options.ServiceAccountKeyFile), $"names '{keyFile}', which does not exist. Give the JSON key of the service account (IAM → Service accounts → Keys).");
            }

            if (string.IsNullOrEmpty(account.Value.Address))
            {
                errors.Add(nameof(options.ServiceAccountKeyFile), $"is set but {AccountOptions.Section}:Address is not: give the Workspace account the service account sends as.");
            }
        }

        return errors.Result;
    }
}
