using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Redirector.Settings;

/// <summary>
/// Binds options sections like <c>BindConfiguration</c> and <c>Get&lt;T&gt;</c>, but a value the binder cannot
/// convert (e.g. <c>Catalog:Cache:WarmDelay=abc</c>) fails as an <see cref="OptionsValidationException"/> whose
/// failures read "Catalog:Cache:WarmDelay: 'abc' is not a time span (hh:mm:ss, e.g. 00:00:05)", one per bad value,
/// instead of the binder's <see cref="InvalidOperationException"/>. Start-up reports both kinds of failure the same way
/// (Hosting/SettingsFailures in the host).
/// </summary>
public static class SettingValues
{
    /// <summary>
    /// <c>BindConfiguration(sectionPath)</c> that first checks every value in the section converts to its property's
    /// type, and the options' data annotations (<c>[Range]</c>, <c>[Required]</c>, <see cref="IValidatableObject"/>)
    /// checked with failures that name the setting and, unless it is text, its value: "Catalog:Cache:Capacity: '5': The
    /// field Capacity must be between 10 and 500000000." (in place of <c>ValidateDataAnnotations</c>, whose failures
    /// name the class).
    /// </summary>
    /// <exception cref="OptionsValidationException">When the options are created and a value does not convert, or when they are validated and one is out of range.</exception>
    public static OptionsBuilder<T> BindSettings<T>(this OptionsBuilder<T> builder, string sectionPath) where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configure<IConfiguration>((_, configuration) => ThrowIfUnconvertible(configuration.GetSection(sectionPath), typeof(T)));
        builder.Services.AddSingleton<IValidateOptions<T>>(new AnnotatedSettings<T>(builder.Name, sectionPath));
        return builder.BindConfiguration(sectionPath);
    }

    /// <summary>The data annotations of options bound from <c>sectionPath</c>, each failure naming the setting and its value.</summary>
    private sealed class AnnotatedSettings<T>(string? name, string sectionPath) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (name is not null && name != optionsName)
                return ValidateOptionsResult.Skip;
            var failures = AnnotationFailures(options, sectionPath);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    /// <summary>The data annotations <paramref name="options"/> break, one line each naming the setting.</summary>
    private static List<string> AnnotationFailures(object options, string sectionPath)
    {
        var results = new List<ValidationResult>();
        var failures = new List<string>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            return failures;
        foreach (var result in results)
        {
            var members = result.MemberNames.ToList();
            if (members.Count == 0)
                failures.Add($"{sectionPath}: {result.ErrorMessage}");
            foreach (var member in members)
            {
                // Text is never echoed: it may be a key or a password (Api:InitialKey, Admin:Password).
                var value = options.GetType().GetProperty(member)?.GetValue(options);
                var shown = value is null or string ? "" : $" '{Convert.ToString(value, CultureInfo.InvariantCulture)}':";
                failures.Add($"{ConfigurationPath.Combine(sectionPath, member)}:{shown} {result.ErrorMessage}");
            }
        }
        return failures;
    }

    /// <summary>
    /// The section bound to a new <typeparamref name="T"/> (its defaults when the section is absent), for the few
    /// settings read while services are being registered, before options exist.
    /// </summary>
    /// <exception cref="OptionsValidationException">A value in the section does not convert.</exception>
    public static T GetSettings<T>(this IConfiguration configuration, string sectionPath) where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(sectionPath);
        ThrowIfUnconvertible(section, typeof(T));
        return section.Get<T>() ?? new T();
    }

    /// <summary><c>GetValue(key, defaultValue)</c> for a single setting read while services are being registered.</summary>
    /// <exception cref="OptionsValidationException">The value does not convert to <typeparamref name="T"/>.</exception>
    public static T GetSetting<T>(this IConfiguration configuration, string key, T defaultValue)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (configuration[key] is { } value && !Converts(type, value))
            throw new OptionsValidationException(key, type, [Failure(key, value, type)]);
        return configuration.GetValue(key, defaultValue)!;
    }

    private static void ThrowIfUnconvertible(IConfigurationSection section, Type optionsType)
    {
        var failures = new List<string>();
        var converting = new List<KeyValuePair<string, string?>>();
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null || TargetType(optionsType, key.Split(ConfigurationPath.KeyDelimiter)) is not { } type)
                continue;
            if (Converts(type, value))
                converting.Add(new(key, value));
            else
                failures.Add(Failure(ConfigurationPath.Combine(section.Path, key), value, type));
        }
        if (failures.Count == 0)
            return;
        // The values that do convert are checked against their rules too, so that one start reports every failure.
        if (new ConfigurationBuilder().AddInMemoryCollection(converting).Build().Get(optionsType) is { } others)
            failures.AddRange(AnnotationFailures(others, section.Path));
        throw new OptionsValidationException(Options.DefaultName, optionsType, failures);
    }

    /// <summary>The type the binder converts the value at <paramref name="keys"/> to, or null when it binds none there.</summary>
    private static Type? TargetType(Type type, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            if (ElementType(type) is { } element)
                type = element;
            else if (type.GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { } property)
                type = property.PropertyType;
            else
                return null;
        }
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    /// <summary>The value type of a dictionary or the element type of an array or collection, keyed by name or index.</summary>
    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
            return null;
        if (type.IsArray)
            return type.GetElementType();
        Type[] candidates = type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces();
        var generic = candidates.Where(i => i.IsGenericType).ToList();
        if (generic.FirstOrDefault(i => i.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>))) is { } dictionary)
            return dictionary.GetGenericArguments()[1];
        return generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    /// <summary>The binder's own conversion: a type converter from the invariant string, as ConfigurationBinder does.</summary>
    private static bool Converts(Type type, string value)
    {
        var converter = TypeDescriptor.GetConverter(type);
        if (type == typeof(string) || type == typeof(object) || !converter.CanConvertFrom(typeof(string)))
            return true;
        try
        {
            converter.ConvertFromInvariantString(value);
            return true;
        }
#pragma warning disable CA1031 // Converters throw FormatException, ArgumentException, OverflowException... and any of them means "does not convert".
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private static string Failure(string key, string value, Type type) => $"{key}: '{value}' is not {Expected(type)}";

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(TimeSpan) => "a time span (hh:mm:ss, e.g. 00:00:05)",
        _ when type == typeof(bool) => "true or false",
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
            || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte)
            => "a whole number",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number (e.g. 0.5)",
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date and time (ISO 8601, e.g. 2026-01-31T09:00:00Z)",
        _ when type == typeof(DateOnly) => "a date (yyyy-mm-dd)",
        _ when type == typeof(TimeOnly) => "a time of day (hh:mm:ss)",
        _ when type == typeof(Uri) => "a URI",
        _ when type == typeof(Guid) => "a GUID",
        _ => $"a {type.Name}",
    };
}
