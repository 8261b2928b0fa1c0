using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Relay.OAuth;

/// <summary>
/// Who started an authorization, and so who may finish it: the browser that clicked Authorize (it holds a random value
/// in a short-lived cookie; only its hash is kept here), or the admin API (<c>relay authorize</c>, signed in with the
/// login secret as a Bearer token).
/// </summary>
internal sealed class FlowOwner
{
    private readonly byte[]? _browserHash;

    private FlowOwner(byte[]? browserHash, bool replaceConfirmed)
    {
        _browserHash = browserHash;
        ReplaceConfirmed = replaceConfirmed;
    }

    /// <summary>True for a flow started on the web page; false for one started through the admin API.</summary>
    public bool IsBrowser => _browserHash is not null;

    /// <summary>The operator said beforehand that a different account may replace the authorized one (<c>relay authorize --replace</c>).</summary>
    public bool ReplaceConfirmed { get; }

    /// <summary>A flow of the admin API.</summary>
    public static FlowOwner AdminApi(bool replaceConfirmed) => new(null, replaceConfirmed);

    /// <summary>A flow of one browser: the owner, and the random value to give that browser in a cookie.</summary>
    public static (FlowOwner Owner, string BrowserValue) NewBrowser()
    {
        var value = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return (new FlowOwner(Hash(value), replaceConfirmed: false), value);
    }

    public bool Admits(FlowCaller caller) => _browserHash is null
        ? caller.Admin
        : !caller.Admin && caller.BrowserValue is { Length: > 0 } value && CryptographicOperations.FixedTimeEquals(_browserHash, Hash(value));

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}

/// <summary>
/// Who is trying to finish (or confirm) an authorization: the admin API, or a browser with the value of its flow cookie
/// (<paramref name="Callback"/> when it is Google's redirect to <c>/oauth/callback</c>, which needs no sign-in).
/// </summary>
internal sealed record FlowCaller(bool Admin, string? BrowserValue, bool Callback)
{
    public static readonly FlowCaller AdminApi = new(true, null, false);

    public static FlowCaller Browser(string? browserValue, bool callback = false) => new(false, browserValue, callback);
}
