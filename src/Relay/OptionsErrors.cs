using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Relay;

/// <summary>Collects every problem of one options section, each naming the key, its environment form and the fix.</summary>
internal sealed class OptionsErrors(string section)
{
    private readonly List<string> _errors = [];

    public void Add(string key, string problem) =>
        _errors.Add($"{section}:{key} {problem} (environment: {(section + ":" + key).Replace(":", "__", StringComparison.Ordinal)})");

    public void Port(string key, int value, bool allowZero = false)
    {
        if (value < (allowZero ? 0 : 1) || value > 65535)
        {
            Add(key, $"must be a TCP port between {(allowZero ? 0 : 1)} and 65535; it is {value}.");
        }
    }

    public void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            Add(key, $"must be a positive duration such as 00:05:00; it is {value}.");
        }
    }

    public void IpAddress(string key, string? value)
    {
        if (!IPAddress.TryParse(value, out _))
        {
            Add(key, $"must be an IP address to listen on, such as 0.0.0.0 (all IPv4), :: (all IPv6) or 127.0.0.1; it is '{value}'.");
        }
    }

    public void Email(string key, string? value)
    {
        if (!string.IsNullOrEmpty(value) && !MailAddress.TryCreate(value, out _))
        {
            Add(key, $"must be an email address such as someone@example.com; it is '{value}'.");
        }
    }

    public void AbsoluteUrl(string key, string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            Add(key, $"must be an absolute http(s) URL; it is '{value}'.");
        }
    }

    public ValidateOptionsResult Result => _errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors);
}
