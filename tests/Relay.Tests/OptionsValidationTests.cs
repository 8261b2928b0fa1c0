using Microsoft.Extensions.Options;
using Relay.Inbound;
using Relay.OAuth;
using Relay.Outbound;
using Relay.Accounts;

namespace Relay.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.True(new InboundOptionsValidator().Validate(null, new InboundOptions()).Succeeded);
        Assert.True(new OutboundOptionsValidator().Validate(null, new OutboundOptions()).Succeeded);
        Assert.True(new AccountOptionsValidator().Validate(null, new AccountOptions()).Succeeded);
        Assert.True(new GoogleOptionsValidator(Options.Create(new AccountOptions())).Validate(null, new GoogleOptions()).Succeeded);
        Assert.True(new RelayOptionsValidator().Validate(null, new RelayOptions()).Succeeded);
        Assert.True(new QuotaOptionsValidator().Validate(null, new QuotaOptions()).Succeeded);
    }

    [Fact]
    public void Quota_RefusesZeroAndNegativeLimits()
    {
        var result = new QuotaOptionsValidator().Validate(null, new QuotaOptions { MaxMessages = 0, MaxRecipients = -5, Preset = (QuotaPreset)7 });

        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("Relay:Quota:MaxMessages must be a positive number", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("(environment: Relay__Quota__MaxRecipients)", StringComparison.Ordinal));
        Assert.True(new QuotaOptionsValidator().Validate(null, new QuotaOptions { MaxMessages = 100 }).Succeeded);
    }

    [Fact]
    public void Inbound_ListsEveryProblem()
    {
        var result = new InboundOptionsValidator().Validate(null, new InboundOptions
        {
            Address = "everywhere",
            Port = -1,
            MaxMessageSize = 0,
            CommandTimeout = TimeSpan.Zero,
        });

        Assert.Equal(4, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("Relay:Inbound:Address", StringComparison.Ordinal) && f.Contains("'everywhere'", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("(environment: Relay__Inbound__Port)", StringComparison.Ordinal));
    }

    [Fact]
    public void Outbound_ListsEveryProblem()
    {
        var result = new OutboundOptionsValidator().Validate(null, new OutboundOptions
        {
            Host = " ",
            Port = 0,
            Concurrency = 0,
            RetryInitialDelay = TimeSpan.FromMinutes(10),
            RetryMaxDelay = TimeSpan.FromMinutes(1),
            TrustedCaFile = "/nonexistent.pem",
        });

        Assert.Equal(5, result.Failures!.Count());
    }

    [Fact]
    public void Outbound_TrustedCaFileWithoutCertificates_IsRefused()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "not a certificate");
        try
        {
            var result = new OutboundOptionsValidator().Validate(null, new OutboundOptions { TrustedCaFile = file });
            Assert.Contains("no PEM certificate", Assert.Single(result.Failures!), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Google_RefreshTokenNeedsClientAndAccount()
    {
        var result = new GoogleOptionsValidator(Options.Create(new AccountOptions())).Validate(null, new GoogleOptions
        {
            RefreshToken = "1//secret",
            TokenEndpoint = "not a url",
        });

        Assert.Equal(4, result.Failures!.Count());
        Assert.DoesNotContain(result.Failures!, f => f.Contains("1//secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Account_AddressesMustBeEmailAddresses()
    {
        var result = new AccountOptionsValidator().Validate(null, new AccountOptions { Address = "not-an-address", Aliases = ["ok@example.com", "bad alias"] });

        Assert.Equal(["Relay:Account:Address", "Relay:Account:Aliases:1"], result.Failures!.Select(f => f.Split(' ')[0]));
    }
}
