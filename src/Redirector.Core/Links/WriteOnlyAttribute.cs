namespace Redirector.Links;

/// <summary>
/// A request property the API reads and never answers (a password: only its salted hash is kept, and a read says
/// <c>hasPassword</c>). The OpenAPI document marks it <c>writeOnly</c>, so that a generated client does not expect it back.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class WriteOnlyAttribute : Attribute;
