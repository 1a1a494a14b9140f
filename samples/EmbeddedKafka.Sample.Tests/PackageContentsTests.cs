using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace EmbeddedKafka.Sample.Tests;

/// <summary>The packed packages hold only the broker (and its fixture) and depend on nothing else of CryptoStreams.</summary>
public sealed class PackageContentsTests
{
    private static readonly string Feed = typeof(PackageContentsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PackageFeed").Value!;

    [Theory]
    [InlineData("CryptoStreams.EmbeddedKafka", "CryptoStreams.Broker.dll", new[] { "K4os.Compression.LZ4.Streams", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Options.DataAnnotations", "Snappier", "System.IO.Hashing", "ZstdSharp.Port" })]
    [InlineData("CryptoStreams.EmbeddedKafka.Xunit", "CryptoStreams.Broker.Xunit.dll", new[] { "CryptoStreams.EmbeddedKafka", "xunit.extensibility.core" })]
    public void The_package_holds_one_assembly_its_readme_and_only_its_own_dependencies(string id, string assembly, string[] dependencies)
    {
        var package = Directory.GetFiles(Feed, id + ".0*.nupkg").Single();
        using var zip = ZipFile.OpenRead(package);
        var payload = zip.Entries
            .Select(e => e.FullName)
            .Where(n => !n.StartsWith("_rels/", StringComparison.Ordinal) && !n.StartsWith("package/", StringComparison.Ordinal) && n != "[Content_Types].xml" && !n.EndsWith(".nuspec", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["README.md", "lib/net10.0/" + assembly], payload);

        using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var document = XDocument.Load(nuspec);
        var metadata = document.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        Assert.False(string.IsNullOrWhiteSpace(metadata.Elements().Single(e => e.Name.LocalName == "description").Value));
        Assert.Equal("README.md", metadata.Elements().Single(e => e.Name.LocalName == "readme").Value);
        var ids = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).Order(StringComparer.Ordinal);
        Assert.Equal(dependencies, ids);
    }
}
