using Relay.Notify;

namespace Relay.Tests.Notify;

public sealed class NotifyOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndNotifyNobody()
    {
        var defaults = new NotifyOptions();
        Assert.True(new NotifyOptionsValidator().Validate(null, defaults).Succeeded);
        Assert.False(defaults.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(30), defaults.HeldAfter);
    }

    [Fact]
    public void EveryProblem_IsListed_WithItsKeyAndTheFix()
    {
        var result = new NotifyOptionsValidator().Validate(null, new NotifyOptions
        {
            To = "not an address",
            HeldAfter = TimeSpan.Zero,
            WebhookUrl = "ftp://chat.example.com/hooks/SECRET-TOKEN",
            WebhookTimeout = TimeSpan.FromHours(1),
            WebhookAttempts = 0,
        });

        var failures = result.Failures!.ToList();
        Assert.Equal(5, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Relay:Notify:To must be an email address", StringComparison.Ordinal) && f.Contains("(environment: Relay__Notify__To)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Notify:HeldAfter must be a positive duration", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Notify:WebhookUrl must be an absolute http(s) URL", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Notify:WebhookTimeout must be at most", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Notify:WebhookAttempts must be between 1 and 10", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("SECRET-TOKEN", StringComparison.Ordinal)); // a webhook URL may hold its secret
    }

    [Fact]
    public void AnEmailAndAWebhook_AreValid()
    {
        var options = new NotifyOptions { To = "ops@example.com", WebhookUrl = "https://chat.example.com/hooks/abc" };
        Assert.True(new NotifyOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(options.Enabled);
    }
}
