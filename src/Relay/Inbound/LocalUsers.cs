using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Relay.Inbound;

/// <summary>One local SMTP login: a password given in configuration is hashed at start and not kept.</summary>
internal sealed class LocalUserOptions
{
    public string Name { get; set; } = "";

    /// <summary>Secret. Prefer <see cref="PasswordHash"/> (from <c>relay hash-password</c>).</summary>
    public string? Password { get; set; }

    /// <summary><c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (base64), as <c>relay hash-password</c> prints it.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>Routing: the name of the account (<c>Relay:Accounts</c>) this user's mail goes out as.</summary>
    public string? Account { get; set; }
}

/// <summary>The local logins, checked in constant time against PBKDF2-SHA256 hashes.</summary>
internal sealed class LocalUsers
{
    private const int Iterations = 100_000;
    private readonly Dictionary<string, string> _hashes;

    public LocalUsers(IOptions<InboundOptions> options) =>
        _hashes = options.Value.Users.ToDictionary(
            user => user.Name,
            user => user.PasswordHash is { Length: > 0 } hash ? hash : Hash(user.Password ?? ""),
            StringComparer.OrdinalIgnoreCase);

    public bool Any => _hashes.Count > 0;

    public bool Verify(string user, string password)
    {
        // An unknown user costs as much as a known one, so timing does not tell which names exist.
        var hash = _hashes.GetValueOrDefault(user) ?? Dummy;
        return Matches(hash, password) && _hashes.ContainsKey(user);
    }

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool IsHash(string text) => TryParse(text, out _, out _, out _);

    private static bool Matches(string stored, string password)
    {
        if (!TryParse(stored, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParse(string stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = stored.Split('$');
        if (parts is not ["pbkdf2-sha256", var count, var saltText, var hashText] || !int.TryParse(count, out iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(saltText);
            hash = Convert.FromBase64String(hashText);
            return hash.Length >= 16;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static readonly string Dummy = Hash(Guid.NewGuid().ToString());
}
