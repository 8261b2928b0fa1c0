using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Relay.Web;

/// <summary>
/// The secret that protects the web pages and the admin API: <c>Relay:Web:LoginSecret</c> when given, otherwise one
/// generated at first start and kept in <c>&lt;DataPath&gt;/web/login-secret</c> (readable by its owner only), where
/// the <c>relay</c> commands on the same machine or container find it too.
/// </summary>
internal sealed class LoginSecret
{
    private readonly byte[] _value;

    public LoginSecret(IOptions<WebOptions> web, IOptions<RelayOptions> relay)
    {
        Generated = web.Value.LoginSecret is not { Length: > 0 };
        Value = web.Value.LoginSecret is { Length: > 0 } configured ? configured : LoadOrCreate(FilePath(relay.Value));
        _value = Encoding.UTF8.GetBytes(Value);
    }

    public string Value { get; }

    /// <summary>True when the secret was generated (not given in configuration).</summary>
    public bool Generated { get; }

    public static string FilePath(RelayOptions relay) => Path.GetFullPath(Path.Combine(relay.DataPath, "web", "login-secret"));

    /// <summary>Constant-time comparison, so the time taken says nothing about the secret.</summary>
    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(_value, Encoding.UTF8.GetBytes(candidate));

    private static string LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, Encoding.ASCII, options))
        {
            writer.Write(secret);
        }

        return secret;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
