using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MimeKit;
using Relay.Testing;

namespace Relay.FunctionalTests;

public sealed class QueueAdministrationTests
{
    [Fact]
    public async Task RelayQueueCommands_ShowTheDeadLetter_RetryIt_AndDeleteIt()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await RelayProcess.StartAsync(harness);
        var message = Messages.Simple("refused everywhere");
        message.To.Clear();
        message.To.Add(MailboxAddress.Parse("rejected.user@example.org"));
        await SendAsync(relay.SmtpPort, message);
        await relay.WaitForOutputAsync(line => line.Contains("Rejected", StringComparison.Ordinal) && line.Contains("dead-letter", StringComparison.Ordinal));

        var list = await relay.RunCommandAsync("queue", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("ID ", list.Output, StringComparison.Ordinal);
        var row = Assert.Single(list.Output.Split('\n'), line => line.Contains(" dead ", StringComparison.Ordinal));
        Assert.Contains("550 5.1.1", row, StringComparison.Ordinal);
        var id = row.Split(' ')[0];

        var json = await relay.RunCommandAsync("queue", "list", "--json");
        var entry = Assert.Single(JsonDocument.Parse(json.Output).RootElement.EnumerateArray());
        Assert.Equal(id, entry.GetProperty("id").GetString());
        Assert.Equal("Dead", entry.GetProperty("state").GetString());
        Assert.Equal("rejected.user@example.org", entry.GetProperty("recipients")[0].GetString());

        var show = await relay.RunCommandAsync("queue", "show", id);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("Subject: refused everywhere", show.Output, StringComparison.Ordinal);
        Assert.Contains("Rejected", show.Output, StringComparison.Ordinal); // the history

        var retry = await relay.RunCommandAsync("queue", "retry", "--all-dead");
        Assert.Equal("1 dead letter(s) queued again.", retry.Output.Trim());
        await relay.WaitForOutputAsync(line => line.Contains("Rejected " + id, StringComparison.Ordinal)); // tried again, refused again

        var retryOne = await relay.RunCommandAsync("queue", "retry", id); // the dead letter by its ID
        Assert.Equal(0, retryOne.ExitCode);
        Assert.Equal($"{id} will be tried again now.", retryOne.Output.Trim());
        await relay.WaitForOutputAsync(line => line.Contains("Rejected " + id, StringComparison.Ordinal)); // back in the queue, tried, refused again

        var delete = await relay.RunCommandAsync("queue", "delete", id);
        Assert.Equal(0, delete.ExitCode);
        var empty = await relay.RunCommandAsync("queue", "list");
        Assert.Contains("The queue is empty", empty.Output, StringComparison.Ordinal);

        var missing = await relay.RunCommandAsync("queue", "show", id);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No message with ID", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayQueueCommand_NoRelayRunning_SaysSoAndFails()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await RelayProcess.StartAsync(harness);
        var url = $"http://127.0.0.1:{relay.WebPort}/";
        relay.Terminate();
        await relay.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var (exitCode, _, error) = await relay.RunCommandAsync("queue", "list", "--url", url);

        Assert.Equal(1, exitCode);
        Assert.Contains("No relay answers at " + url, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_WithoutTheLoginSecret_IsRefused()
    {
        await using var harness = await RelayHarness.StartAsync();
        await using var relay = await harness.StartRelayAsync();
        using var http = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/queue")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "guessed");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.DeleteAsync("api/queue/0123456789abcdef0123456789abcdef")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.LoginSecret);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/queue")).StatusCode);
    }

    private static async Task SendAsync(int port, MimeMessage message)
    {
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }
}
