using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Relay.Testing;

/// <summary>
/// The relay as its own process (<c>dotnet relay.dll</c>, the build the tests reference), configured through
/// environment variables to talk to the harness's fakes: for crashes, signals and the <c>relay</c> commands.
/// </summary>
internal sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Dictionary<string, string?> _environment;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private RelayProcess(Process process, Dictionary<string, string?> environment)
    {
        _process = process;
        _environment = environment;
    }

    public int SmtpPort { get; private set; }
    public int WebPort { get; private set; }
    public ConcurrentQueue<string> Output { get; } = new();
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;
    public int ExitCode => _process.ExitCode;

    public static async Task<RelayProcess> StartAsync(RelayHarness harness, Action<Dictionary<string, string?>>? change = null)
    {
        var settings = harness.Settings();
        settings["Serilog:MinimumLevel:Default"] = "Information";
        settings.Remove("Serilog:WriteTo:0:Args:restrictedToMinimumLevel");
        change?.Invoke(settings);
        var environment = settings.ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value);

        var process = new Process { StartInfo = Command([], environment) };
        var relay = new RelayProcess(process, environment);
        process.OutputDataReceived += (_, e) => relay.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => relay.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            relay.SmtpPort = int.Parse(SmtpListening().Match(await relay.WaitForOutputAsync(line => SmtpListening().IsMatch(line))).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            relay.WebPort = int.Parse(WebListening().Match(await relay.WaitForOutputAsync(line => WebListening().IsMatch(line))).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return relay;
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a relay process that is expected to stop by itself (a start that fails): its exit code and all it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(RelayHarness harness, Action<Dictionary<string, string?>>? change = null)
    {
        var settings = harness.Settings();
        settings.Remove("Serilog:WriteTo:0:Args:restrictedToMinimumLevel");
        change?.Invoke(settings);
        var environment = settings.ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value);
        using var process = Process.Start(Command([], environment))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The relay process did not stop by itself. Its output:\n" + await output + await error);
        }

        return (process.ExitCode, await output + await error);
    }

    /// <summary>Waits for an output line (stdout or stderr) that matches; lines already read are not seen again.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The relay process did not print the expected line. Its output:\n" + string.Join('\n', Output));
        }
    }

    /// <summary>Runs <c>relay ARGS</c> as a command next to this relay (same configuration, its actual web port).</summary>
    public Task<(int ExitCode, string Output, string Error)> RunCommandAsync(params string[] args) => RunCommandAsync(new Dictionary<string, string?>(), args);

    /// <summary>The same, with some environment variables changed for this command only.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunCommandAsync(IDictionary<string, string?> environmentChanges, params string[] args)
    {
        var environment = new Dictionary<string, string?>(_environment)
        {
            ["Relay__Web__Port"] = WebPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in environmentChanges)
        {
            environment[key] = value;
        }

        using var command = Process.Start(Command(args, environment))!;
        var output = command.StandardOutput.ReadToEndAsync();
        var error = command.StandardError.ReadToEndAsync();
        await command.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (command.ExitCode, await output, await error);
    }

    /// <summary>
    /// Runs <c>relay ARGS</c> with a console: <paramref name="answer"/> sees each line it prints and may return a line to type.
    /// </summary>
    public async Task<(int ExitCode, string Output)> RunInteractiveAsync(Func<string, Task<string?>> answer, params string[] args)
    {
        var environment = new Dictionary<string, string?>(_environment)
        {
            ["Relay__Web__Port"] = WebPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var start = Command(args, environment);
        start.RedirectStandardInput = true;
        using var command = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var error = command.StandardError.ReadToEndAsync();
        while (await ReadLineAsync(command, output) is { } line)
        {
            output.AppendLine(line);
            if (await answer(line) is { } typed)
            {
                await command.StandardInput.WriteLineAsync(typed);
                await command.StandardInput.FlushAsync();
            }
        }

        await command.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (command.ExitCode, output + await error);
    }

    private async Task<string?> ReadLineAsync(Process command, System.Text.StringBuilder soFar)
    {
        try
        {
            return await command.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            command.Kill();
            throw new TimeoutException($"The command printed nothing more for 60 s. Its output:\n{soFar}\nThe relay's output:\n{string.Join('\n', Output.TakeLast(30))}");
        }
    }

    /// <summary>SIGKILL: no chance to finish anything, as a power cut.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as <c>docker stop</c> sends.</summary>
    public void Terminate()
    {
        if (SendSignal(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    private static ProcessStartInfo Command(string[] args, Dictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A test's relay lives seconds: profile-guided re-compilation would only cost CPU the other tests need.
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "relay.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        Output.Enqueue(line);
        _lines.Writer.TryWrite(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    [GeneratedRegex(@"SMTP listening on [^:]+:(\d+)")]
    private static partial Regex SmtpListening();

    [GeneratedRegex(@"Now listening on: http://[^:]+:(\d+)")]
    private static partial Regex WebListening();
}
