using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Redirector.Api;

/// <summary>
/// Every error an API endpoint answers is written by <see cref="IProblemDetailsService"/>, as those of the middleware
/// (authentication, rate limits, binding: <see cref="BadRequestHandler"/>) are, so each one carries what the service
/// adds (<c>traceId</c>, <c>type</c>). Handlers keep their exact result types (<c>NotFound&lt;ProblemDetails&gt;</c>,
/// <c>Conflict&lt;ProblemDetails&gt;</c>, <c>ValidationProblem</c>), which tell OpenAPI each status and its body; those
/// results would serialize their problem straight to the response, past the service, so this endpoint filter hands
/// the problem to <see cref="TypedResults.Problem(ProblemDetails)"/>, which writes it through the service.
/// </summary>
public static class ApiProblems
{
    /// <summary>The endpoint filter; <see cref="ApiServices.MapApiGroup"/> puts it outermost on every API group.</summary>
    public static async ValueTask<object?> ThroughServiceAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IValueHttpResult { Value: ProblemDetails problem } and IStatusCodeHttpResult { StatusCode: { } status })
        {
            problem.Status ??= status;
            return TypedResults.Problem(problem);
        }
        return result;
    }
}
