using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Relay;

/// <summary>
/// Binds an options section one property at a time, so that a value that cannot be converted (<c>Port=abc</c>,
/// <c>RetryInitialDelay=5min</c>) becomes a validation failure naming its key and the expected form, reported with every
/// other problem of every section, instead of an exception that stops at the first.
/// </summary>
internal sealed partial class OptionsBinding<TOptions>(IConfiguration configuration, string section) : IConfigureOptions<TOptions>, IValidateOptions<TOptions>
    where TOptions : class
{
    private static readonly PropertyInfo[] Properties = [.. typeof(TOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(property => property.CanWrite && property.GetIndexParameters().Length == 0)];

    private readonly ConditionalWeakTable<TOptions, List<string>> _failures = [];

    public void Configure(TOptions options)
    {
        var failures = new List<string>();
        var root = configuration.GetSection(section);
        foreach (var property in Properties)
        {
            var child = root.GetSection(property.Name);
            if (!child.Exists())
            {
                continue;
            }

            try
            {
                if (child.Get(property.PropertyType) is { } value)
                {
                    property.SetValue(options, value);
                }
            }
            catch (InvalidOperationException ex)
            {
                var path = FailedPath().Match(ex.Message) is { Success: true } match ? match.Groups[1].Value : child.Path;
                var value = configuration[path];
                var errors = new OptionsErrors(section);
                errors.Add(path.Length > section.Length ? path[(section.Length + 1)..] : path, $"cannot be read: '{value}' {Expected(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType, path)}.");
                failures.AddRange(errors.Result.Failures ?? []);
            }
        }

        _failures.AddOrUpdate(options, failures);
    }

    public ValidateOptionsResult Validate(string? name, TOptions options) =>
        _failures.TryGetValue(options, out var failures) && failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Skip;

    private static string Expected(Type type, string path)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return $"is not a valid entry of the list at {path}";
        }

        return type switch
        {
            _ when type == typeof(int) || type == typeof(long) => "is not a whole number",
            _ when type == typeof(TimeSpan) => "is not a duration; write it as [d.]hh:mm:ss, such as 00:05:00 for five minutes or 1.00:00:00 for a day",
            _ when type == typeof(bool) => "is not true or false",
            _ when type.IsEnum => $"is not one of {string.Join(", ", Enum.GetNames(type))}",
            _ => $"is not a valid {type.Name}",
        };
    }

    [GeneratedRegex("at '([^']+)'")]
    private static partial Regex FailedPath();
}
