using Microsoft.Extensions.Options;

namespace Relay.Accounts;

internal sealed class AccountOptionsValidator : IValidateOptions<AccountOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountOptions options)
    {
        var errors = new OptionsErrors(AccountOptions.Section);
        errors.Email(nameof(options.Address), options.Address);
        for (var i = 0; i < options.Aliases.Count; i++)
        {
            errors.Email($"{nameof(options.Aliases)}:{i}", options.Aliases[i]);
        }

        return errors.Result;
    }
}
