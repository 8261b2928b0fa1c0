using Microsoft.Extensions.Options;
using Relay.Web;

namespace Relay.Tests.Web;

public sealed class LoginSecretTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("relay-secret-test-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private LoginSecret Construct() => new(Options.Create(new WebOptions()), Options.Create(new RelayOptions { DataPath = _data }));

    [Fact]
    public void Construction_WritesNothing_LoadGeneratesTheFile_AndTheNextStartReadsIt()
    {
        var first = Construct();
        Assert.False(Directory.Exists(Path.Combine(_data, "web")));

        first.Load();

        Assert.True(first.CreatedNow);
        Assert.Equal(first.Value, File.ReadAllText(first.Path));
        var next = Construct();
        next.Load();
        Assert.False(next.CreatedNow);
        Assert.True(next.Matches(first.Value));
    }
}
