using Relay.Benchmarks;
using Relay.Testing;

// dotnet run -c Release --project tests/Relay.Benchmarks [-- --load 20x100x2k --scale 0.1 --runs 3]
// dotnet run -c Release --project tests/Relay.Benchmarks fakes   — only the fake Gmail and Google, to try a real
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

    return 0;
}

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var report = await new BenchmarkRunner(Console.Out).RunAsync(settings);
Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
return 0;
