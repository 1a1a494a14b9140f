using System.Text.Json;

namespace CryptoStreams.Broker.Security;

/// <summary>
/// The ACLs of the broker, kept in <c>security/acls.json</c> of the data directory (rewritten atomically on every
/// change: ACLs change rarely, and a change is answered only once it is on disk).
/// </summary>
internal sealed class AclStore
{
    public const string FileName = "acls.json";

    private readonly Lock _lock = new();
    private readonly string _path;
    private List<AclBinding> _bindings;

    public AclStore(string securityDirectory)
    {
        Directory.CreateDirectory(securityDirectory);
        _path = Path.Combine(securityDirectory, FileName);
        _bindings = File.Exists(_path)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(_path), SecurityJson.Default.ListAclBinding) ?? []
            : [];
    }

    /// <summary>The current bindings; a snapshot that later changes do not touch.</summary>
    public IReadOnlyList<AclBinding> Snapshot
    {
        get
        {
            lock (_lock)
            {
                return _bindings;
            }
        }
    }

    /// <summary>Adds bindings not already present and persists them.</summary>
    public void Add(IReadOnlyCollection<AclBinding> bindings)
    {
        lock (_lock)
        {
            var next = _bindings.Union(bindings).ToList();
            Persist(next);
            _bindings = next;
        }
    }

    /// <summary>Removes and returns the bindings each filter matches (one list per filter).</summary>
    public List<List<AclBinding>> Delete(IReadOnlyList<AclFilter> filters)
    {
        lock (_lock)
        {
            var removed = filters.Select(f => _bindings.Where(f.Matches).ToList()).ToList();
            var next = _bindings.Where(b => !filters.Any(f => f.Matches(b))).ToList();
            if (next.Count != _bindings.Count)
            {
                Persist(next);
                _bindings = next;
            }

            return removed;
        }
    }

    private void Persist(List<AclBinding> bindings) =>
        SecurityFiles.WriteAtomically(_path, JsonSerializer.SerializeToUtf8Bytes(bindings, SecurityJson.Default.ListAclBinding));
}
