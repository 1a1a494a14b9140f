using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CryptoStreams.Cli.Api;

/// <summary>
/// The API's token check: every request but <c>/health</c> carries <c>Authorization: Bearer &lt;Api:Token&gt;</c>, or the
/// cookie a browser gets by opening the dashboard once as <c>/?token=&lt;Api:Token&gt;</c> (a browser's address bar and
/// its EventSource cannot send the header).
/// </summary>
internal sealed class BearerToken(string token)
{
    public const string Cookie = "cryptostreams_token";

    private readonly byte[] header = Encoding.UTF8.GetBytes("Bearer " + token);
    private readonly byte[] value = Encoding.UTF8.GetBytes(token);

    public async Task Check(HttpContext context, RequestDelegate next)
    {
        // /health stays open so orchestrators can probe it without the secret.
        if (context.Request.Path == "/health" || Matches(header, context.Request.Headers.Authorization.ToString())
            || (context.Request.Cookies.TryGetValue(Cookie, out var cookie) && Matches(value, cookie)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (context.Request.Query.TryGetValue("token", out var given) && Matches(value, given.ToString()))
        {
            // Trade the token in the address for a cookie the page's own requests carry, and drop it from the address.
            context.Response.Cookies.Append(Cookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            context.Response.Redirect(context.Request.PathBase + context.Request.Path);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsync(
            "a bearer token is required (Authorization: Bearer <Api:Token>; in a browser open /?token=<Api:Token> once)\n", context.RequestAborted).ConfigureAwait(false);
    }

    private static bool Matches(byte[] expected, string given) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
}
