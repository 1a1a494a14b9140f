using System.Reflection;
using CryptoStreams.Bench;

var harnesses = typeof(IHarness).Assembly.GetTypes()
    .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IHarness).IsAssignableFrom(t))
    .Select(t => (IHarness)Activator.CreateInstance(t)!)
    .OrderBy(h => h.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || harnesses.All(h => h.Name != args[0]))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Bench -- <harness> [args]");
    foreach (var h in harnesses)
    {
        Console.Error.WriteLine($"  {h.Name,-12} {h.Description}");
    }

    return args.Length == 0 ? 0 : 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var harness = harnesses.Single(h => h.Name == args[0]);
return await harness.RunAsync(args[1..], cts.Token);
