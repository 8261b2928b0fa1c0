using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Relay.Testing;

// dotnet run -c Release --project bench/Relay.Benchmarks [messages] [clients] [bodyKilobytes]
// dotnet run -c Release --project bench/Relay.Benchmarks fakes   — only the fake Gmail and Google, to try a real
//     deployment (the Docker image with network_mode: host) against them; prints the settings to give the relay.
if (args is ["fakes"])
{
    await using var fakes = await RelayHarness.StartAsync();
    foreach (var (key, value) in fakes.Settings().Where(s => s.Key.StartsWith("Relay:Outbound:", StringComparison.Ordinal) || s.Key.StartsWith("Relay:Google:", StringComparison.Ordinal) || s.Key == "Relay:Account:Address"))
    {
        Console.WriteLine($"{key.Replace(":", "__", StringComparison.Ordinal)}={value}");
    }

    Console.WriteLine("Fakes running; Ctrl+C to stop.");
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
    while (!stop.IsCancellationRequested)
    {
        var message = await fakes.Gmail.NextMessageAsync(Timeout.InfiniteTimeSpan).WaitAsync(stop.Token).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        if (message is not null)
        {
            Console.WriteLine($"Fake Gmail received a message from {message.MailFrom} for {string.Join(", ", message.Recipients)} ({message.Data.Length} bytes)");
        }
    }

    return;
}

var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var clients = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var bodyKilobytes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;

await using var harness = await RelayHarness.StartAsync();
await using var relay = await harness.StartRelayAsync(s => s["Serilog:MinimumLevel:Default"] = "Warning");

var body = string.Join("\r\n", Enumerable.Repeat(new string('x', 76), bodyKilobytes * 1024 / 78 + 1));
var latencies = new double[messages];
var next = -1;
var total = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
{
    // Nagle off on the client too, so the figures show the relay's own cost, not the client's delayed ACKs.
    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    await socket.ConnectAsync(IPAddress.Loopback, relay.SmtpPort);
    using var client = new SmtpClient();
    await client.ConnectAsync(socket, "127.0.0.1", relay.SmtpPort, SecureSocketOptions.None);
    int i;
    while ((i = Interlocked.Increment(ref next)) < messages)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("bench@legacy.lan"));
        message.To.Add(MailboxAddress.Parse("alice@example.org"));
        message.Subject = $"bench {i}";
        message.Body = new TextPart("plain") { Text = body };
        var one = Stopwatch.StartNew();
        await client.SendAsync(message);
        latencies[i] = one.Elapsed.TotalMilliseconds;
    }

    await client.DisconnectAsync(true);
}));
var accepted = total.Elapsed;
for (var i = 0; i < messages; i++)
{
    await harness.Gmail.NextMessageAsync(TimeSpan.FromMinutes(5));
}

var delivered = total.Elapsed;
Array.Sort(latencies);
double Percentile(double p) => latencies[Math.Min(messages - 1, (int)Math.Ceiling(p / 100 * messages) - 1)];

Console.WriteLine($"Relay benchmark: {messages} messages of ~{bodyKilobytes} KB from {clients} concurrent SMTP clients, {Environment.ProcessorCount} cores");
Console.WriteLine($"  accepted (250 after fsync)  : {accepted.TotalSeconds,8:F2} s  {messages / accepted.TotalSeconds,8:F0} msg/s");
Console.WriteLine($"  delivered to the fake Gmail : {delivered.TotalSeconds,8:F2} s  {messages / delivered.TotalSeconds,8:F0} msg/s");
Console.WriteLine($"  accept latency (ms)         : p50 {Percentile(50):F1}  p95 {Percentile(95):F1}  p99 {Percentile(99):F1}  max {latencies[^1]:F1}");
Console.WriteLine($"  upstream connections        : {harness.Gmail.Connections}, token refreshes: {harness.OAuth.RefreshCount}");
