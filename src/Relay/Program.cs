using System.CommandLine;
using Microsoft.Extensions.Options;
using Relay;
using Relay.Cli;
using Serilog;

// SIGTERM and Ctrl+C are the host's to handle (it drains the listener and the deliveries); System.CommandLine would
// otherwise end the process two seconds after the signal.
return await RelayCommands.Create(RunRelayAsync).Parse(RelayCommands.Normalize(args)).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> RunRelayAsync(string[] args)
{
    Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
    try
    {
        await RelayApp.Build(args).RunAsync();
        return 0;
    }
    catch (Exception ex) when (ConfigurationErrors.From(ex) is { Count: > 0 } errors)
    {
        Log.Fatal("Relay cannot start, the configuration is invalid:{Errors}", string.Concat(errors.Select(e => Environment.NewLine + "  - " + e)));
        return 2;
    }
    catch (DataFolderLockedException ex)
    {
        Log.Fatal("Relay cannot start: {Reason}", ex.Message);
        return 1;
    }
    catch (Exception ex) when (StartupErrors.PortInUse(ex) is { } detail)
    {
        Log.Fatal("Relay cannot start: {Detail}. Stop the program that holds the port, or choose another one with Relay:Inbound:Port (SMTP) or Relay:Web:Port (web).", detail);
        return 1;
    }
    catch (Exception ex)
    {
        Log.Fatal(ex, "Relay stopped after an unexpected error");
        return 1;
    }
    finally
    {
        await Log.CloseAndFlushAsync();
    }
}

internal static class StartupErrors
{
    /// <summary>When a listening port is taken, the message that names it (the SMTP listener's or Kestrel's).</summary>
    public static string? PortInUse(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }
                || current.GetType().Name == "AddressInUseException")
            {
                return exception.Message.TrimEnd('.');
            }
        }

        return null;
    }
}

internal static class ConfigurationErrors
{
    /// <summary>Every failure of every options section, when start-up validation is what failed.</summary>
    public static IReadOnlyList<string> From(Exception exception) => exception switch
    {
        OptionsValidationException options => options.Failures.ToList(),
        AggregateException aggregate when aggregate.InnerExceptions.All(inner => inner is OptionsValidationException) =>
            aggregate.InnerExceptions.SelectMany(From).ToList(),
        _ => [],
    };
}
