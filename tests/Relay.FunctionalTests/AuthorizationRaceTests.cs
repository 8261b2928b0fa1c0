using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Relay.OAuth;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>'relay authorize' waits on its flow while the pasted address is being exchanged: it must get the result, never "unknown".</summary>
public sealed class AuthorizationRaceTests : HarnessTest
{
    [Fact]
    public async Task WaitingWhileThePastedCodeIsExchanged_GetsTheResult()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        using var api = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", relay.LoginSecret);
        var start = await (await api.PostAsJsonAsync("api/authorize/start", new { })).Content.ReadFromJsonAsync<AuthorizationStart>();
        var pasted = await FakeGoogleOAuthServer.ConsentAsync(start!.Url);
        var exchanging = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        Harness.OAuth.BeforeCodeExchange = async () =>
        {
            exchanging.TrySetResult();
            await release.Task;
        };

        var complete = api.PostAsJsonAsync("api/authorize/complete", new { url = pasted });
        await exchanging.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var wait = api.GetAsync($"api/authorize/{Uri.EscapeDataString(start.State)}/wait");
        await Task.WhenAny(wait, Task.Delay(TimeSpan.FromMilliseconds(200))); // a refusal would come at once
        release.SetResult();

        var waited = await wait;
        Assert.Equal(HttpStatusCode.OK, waited.StatusCode);
        Assert.Contains("is authorized", await waited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await complete).StatusCode);
    }
}
