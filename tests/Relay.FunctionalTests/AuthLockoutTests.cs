using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Relay.Inbound;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>The local AUTH lockout holds against parallel connections: ten failures per address, however they arrive.</summary>
public sealed class AuthLockoutTests
{
    [Fact]
    public async Task ParallelWrongPasswords_FromOneAddress_GetNoMoreThanTheLimit_ThenTheAddressIsLockedOut()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await RelayHarness.StartAsync(clock);
        await using var relay = await harness.StartRelayAsync(s =>
        {
            s["Relay:Inbound:Users:0:Name"] = "scanner";
            s["Relay:Inbound:Users:0:Password"] = "right";
        });

        // The slow-down after the third failure waits on the relay's clock: keep it moving while the attack runs.
        using var attackOver = new CancellationTokenSource();
        var pump = Task.Run(async () =>
        {
            while (!attackOver.IsCancellationRequested)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(10, CancellationToken.None);
            }
        });

        var parallel = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => TryPasswordsAsync(relay.SmtpPort, "wrong", 3)));
        var failed = parallel.SelectMany(replies => replies).Count(reply => reply.StartsWith("535", StringComparison.Ordinal));
        Assert.InRange(failed, 0, LocalAuthenticator.MaxFailures);

        // Go on one connection at a time until the relay says no: the 535s never add up to more than the limit.
        for (var connection = 0; connection < 20; connection++)
        {
            var replies = await TryPasswordsAsync(relay.SmtpPort, "wrong", 3);
            failed += replies.Count(reply => reply.StartsWith("535", StringComparison.Ordinal));
            if (replies.Any(reply => reply.StartsWith("454 4.7.0 Too many failed logins", StringComparison.Ordinal)))
            {
                break;
            }
        }

        await attackOver.CancelAsync();
        await pump;
        Assert.Equal(LocalAuthenticator.MaxFailures, failed);
        var locked = await TryPasswordsAsync(relay.SmtpPort, "right", 1);
        Assert.StartsWith("454 4.7.0 Too many failed logins", Assert.Single(locked), StringComparison.Ordinal);
    }

    /// <summary>One connection: EHLO, then AUTH PLAIN up to <paramref name="tries"/> times; the reply to each AUTH.</summary>
    private static async Task<List<string>> TryPasswordsAsync(int port, string password, int tries)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", port);
        var stream = socket.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await ReplyAsync(reader);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("EHLO attacker\r\n"));
        await ReplyAsync(reader);
        var replies = new List<string>();
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0scanner\0{password}"));
        for (var i = 0; i < tries; i++)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"AUTH PLAIN {credentials}\r\n"));
            var reply = await ReplyAsync(reader);
            replies.Add(reply);
            if (!reply.StartsWith("535", StringComparison.Ordinal))
            {
                break; // 454 (locked out, or too many at once) closes the connection
            }
        }

        return replies;
    }

    private static async Task<string> ReplyAsync(StreamReader reader)
    {
        string? line;
        do
        {
            line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? "(closed)";
        }
        while (line.Length > 3 && line[3] == '-');

        return line;
    }
}
