using System.Globalization;

namespace Relay.Benchmarks;

/// <summary>What one benchmark run does: which loads, how scaled, how many runs (the report gives the median).</summary>
internal sealed record BenchSettings(IReadOnlyList<BenchLoad> Loads, double Scale = 1, int Runs = 1)
{
    public const string Usage = """
        dotnet run -c Release --project tests/Relay.Benchmarks [-- options]
          --load NAME      a load to run (repeat, or comma-separate); default all:
                           1x500x2k 20x100x2k 4x10x5m cpm-1x100 cpm-10x30 memory-20x35m
                           (other numbers in the same shapes: CxNxS, cpm-CxN, memory-CxM)
          --scale X        multiply the messages per connection (memory: the concurrent messages) by X, at least 1
          --runs N         run every load N times and report the median of each figure (default 1)
          --no-settle      measure at once after the warm-up instead of waiting for the relay to go quiet
          --warmup N       2 KiB messages sent before each measurement, to warm up both ends (default 1000;
                           a fresh .NET process compiles for its first thousand or so)
        dotnet run -c Release --project tests/Relay.Benchmarks fakes
                           only the fake Gmail and Google, to try a real deployment against them
        """;

    /// <summary>Messages sent (and awaited at the fake) through the same path before each measurement starts.</summary>
    public int Warmup { get; init; } = 1000;

    /// <summary>Whether to wait, after the warm-up, for the relay process to go quiet before measuring.</summary>
    public bool Settle { get; init; } = true;

    /// <summary>The loads to run, scaled.</summary>
    public IEnumerable<BenchLoad> ScaledLoads => Loads.Select(l => l.Scaled(Scale));

    public static BenchSettings Parse(IReadOnlyList<string> args)
    {
        var loads = new List<BenchLoad>();
        var settings = new BenchSettings([]);
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (args[i])
            {
                case "--load":
                    loads.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(BenchLoad.Parse));
                    break;
                case "--scale":
                    settings = settings with { Scale = Positive(double.Parse(Value(), CultureInfo.InvariantCulture), "--scale") };
                    break;
                case "--runs":
                    settings = settings with { Runs = (int)Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--runs") };
                    break;
                case "--warmup":
                    settings = settings with { Warmup = Math.Max(0, int.Parse(Value(), CultureInfo.InvariantCulture)) };
                    break;
                case "--no-settle":
                    settings = settings with { Settle = false };
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
            }
        }

        return settings with { Loads = loads.Count > 0 ? loads : BenchLoad.Standard };
    }

    private static double Positive(double value, string option) =>
        value > 0 ? value : throw new ArgumentException($"{option} must be greater than 0; it is {value}.");
}
