using System.Net;
using System.Text;
using Relay.Spool;
using Relay.Web;
using Relay.Testing;

namespace Relay.FunctionalTests;

/// <summary>The queue in the browser, over plain HTTP: states, filters, escaping, paging, and actions that need a confirmation and a token.</summary>
public sealed class QueuePagesTests : HarnessTest
{
    private const string Hostile = "<script>alert('x')</script>";

    [Fact]
    public async Task WithoutAnAccount_EveryEntryIsHeld_WaitingForAnAccount_AndTheStatusPageSaysSo()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        await SendAsync(relay, "alice@example.org", "Subject: one\r\n\r\nbody\r\n");
        using var web = await WebSession.SignedInAsync(relay);

        var queue = await web.GetTextAsync("/queue?state=held");
        var status = await web.GetTextAsync("/");

        Assert.Contains("held (1)", queue, StringComparison.Ordinal);
        Assert.Contains("waiting for an account to be authorized", queue, StringComparison.Ordinal);
        Assert.Contains("waiting for an account: mail is kept until one is authorized", status, StringComparison.Ordinal);
        Assert.Contains("none yet: authorize an account", status, StringComparison.Ordinal);
        Assert.DoesNotContain("(from none)", status, StringComparison.Ordinal);
        Assert.Contains("""<a href="/queue">1 waiting</a>""", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderValuesAndAddresses_AreEscaped_NeverRenderedAsHtml()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        await SendAsync(relay, "\"<b>bold</b>\"@example.com", $"Subject: {Hostile}\r\nX-Note: \"><img src=x onerror=alert(1)>\r\nFrom: {Hostile} <a@helpdesk.local>\r\n\r\nbody\r\n");
        var id = Assert.Single(relay.Spool.List()).Id;
        using var web = await WebSession.SignedInAsync(relay);

        var list = await web.GetTextAsync("/queue");
        var detail = await web.GetTextAsync($"/queue/{id}");

        foreach (var page in new[] { list, detail })
        {
            Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
            Assert.DoesNotContain("<b>bold</b>", page, StringComparison.Ordinal);
            Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        }

        Assert.Contains("&quot;&lt;b&gt;bold&lt;/b&gt;&quot;@example.com", list, StringComparison.Ordinal);
        Assert.Contains("Subject: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", detail, StringComparison.Ordinal);
        Assert.Contains("X-Note: &quot;&gt;&lt;img src=x onerror=alert(1)&gt;", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detail_ShowsEnvelopeHistoryAndTheRewrite_AndTheEmlDownloadsAsStored()
    {
        await using var relay = await Harness.StartRelayAsync();
        await SendAsync(relay, "reject-me@example.org", "From: GLPI <glpi@helpdesk.local>\r\nSubject: dead\r\n\r\nbody\r\n");
        await relay.NextOutcomeAsync();
        var dead = Assert.Single(relay.Spool.List());
        using var web = await WebSession.SignedInAsync(relay);

        var detail = await web.GetTextAsync($"/queue/{dead.Id}");
        var eml = await web.GetAsync($"/queue/{dead.Id}/message.eml");

        Assert.Contains("dead: next, nothing: retry or delete it", detail, StringComparison.Ordinal);
        Assert.Contains("5.1.1", detail, StringComparison.Ordinal);
        Assert.Contains($"From: &quot;GLPI&quot; &lt;{RelayHarness.Account}&gt; (was &quot;GLPI&quot; &lt;glpi@helpdesk.local&gt;)", detail, StringComparison.Ordinal);
        Assert.Contains("Reply-To:", detail, StringComparison.Ordinal);
        Assert.Equal("message/rfc822", eml.Content.Headers.ContentType?.MediaType);
        Assert.Equal(StoredMessages.Bytes(Harness.DataPath, "dead", dead.Id), await eml.Content.ReadAsByteArrayAsync());
        Assert.Equal("From: GLPI <glpi@helpdesk.local>\r\nSubject: dead\r\n\r\nbody\r\n", Encoding.ASCII.GetString(await eml.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Actions_NeedTheConfirmationPagesToken_AndDoWhatTheCliDoes()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        await SendAsync(relay, "alice@example.org", "Subject: one\r\n\r\nbody\r\n");
        await SendAsync(relay, "bob@example.org", "Subject: two\r\n\r\nbody\r\n");
        var (first, second) = (relay.Spool.List()[0].Id, relay.Spool.List()[1].Id);
        using var web = await WebSession.SignedInAsync(relay);

        var forged = await web.PostWithoutTokenAsync($"/queue/{first}/delete", new Dictionary<string, string>());
        var confirmation = await web.GetTextAsync($"/queue/{first}/delete");
        var deleted = await web.PostFormWithPageTokenAsync(confirmation, $"/queue/{first}/delete", new Dictionary<string, string>());
        var retried = await web.PostFormAsync($"/queue/{second}/retry", $"/queue/{second}/retry", new Dictionary<string, string>());
        var missing = await web.PostFormAsync($"/queue/{second}/retry", $"/queue/{new string('0', 32)}/retry", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("this cannot be undone", confirmation, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Contains("is queued to be tried now", await retried.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal([second], relay.Spool.List().Select(e => e.Id));
    }

    [Fact]
    public async Task RetryEveryDeadLetter_PutsThemBack_AndFiltersCountThem()
    {
        await using var relay = await Harness.StartRelayAsync();
        await SendAsync(relay, "reject-1@example.org", "Subject: a\r\n\r\nbody\r\n");
        await relay.NextOutcomeAsync();
        await SendAsync(relay, "reject-2@example.org", "Subject: b\r\n\r\nbody\r\n");
        await relay.NextOutcomeAsync();
        using var web = await WebSession.SignedInAsync(relay);

        var before = await web.GetTextAsync("/queue?state=dead");
        var response = await web.PostFormAsync("/queue/retry-dead", "/queue/retry-dead", new Dictionary<string, string>());

        Assert.Contains("dead (2)", before, StringComparison.Ordinal);
        Assert.Contains("2 dead letter(s) went back to the queue", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await relay.NextOutcomeAsync();
        await relay.NextOutcomeAsync(); // refused again by the fake: dead again, each attempt recorded
        Assert.All(relay.Spool.List(), entry => Assert.Equal(2, entry.Attempts));
    }

    [Fact]
    public async Task LargeQueue_IsPaged_AndListedFromMemory()
    {
        await using var relay = await Harness.StartUnauthorizedRelayAsync();
        for (var i = 0; i < QueuePages.PageSize + 5; i++)
        {
            await relay.Spool.EnqueueAsync(new SpoolEntry { Id = "", Recipients = [$"r{i}@example.org"], ReceivedAt = DateTimeOffset.UtcNow.AddSeconds(i) },
                new System.Buffers.ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n")), default, CancellationToken.None);
        }

        using var web = await WebSession.SignedInAsync(relay);
        var first = await web.GetTextAsync("/queue");
        var second = await web.GetTextAsync("/queue?page=2");

        Assert.Equal(QueuePages.PageSize, CountRows(first));
        Assert.Equal(5, CountRows(second));
        Assert.Contains("""<a href="/queue?page=2">2</a>""", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleasingTheHold_FromThePageOrTheApi_OpensTheGate()
    {
        await using var relay = await Harness.StartRelayAsync();
        relay.Gate.Hold(Relay.Outbound.HoldReason.Quota, "550 5.4.5 Daily user sending limit exceeded", RelayHarness.Account);
        using var web = await WebSession.SignedInAsync(relay);
        using var api = new HttpClient { BaseAddress = new Uri(relay.WebAddress) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", relay.LoginSecret);

        var queue = await web.GetTextAsync("/queue");
        var released = await web.PostFormAsync("/queue/release", "/queue/release", new Dictionary<string, string>());
        relay.Gate.Hold(Relay.Outbound.HoldReason.Quota, "550 5.4.5 Daily user sending limit exceeded", RelayHarness.Account);
        var releasedByApi = await api.PostAsync("api/queue/release", null);

        Assert.Contains("""<a href="/queue/release">Release the hold and try now</a>""", queue, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal(HttpStatusCode.OK, releasedByApi.StatusCode);
        Assert.Equal(Relay.Outbound.HoldReason.None, relay.Gate.State.Reason);
    }

    private static int CountRows(string page) => page.Split("<tr><td><a href=\"/queue/").Length - 1;

    private static Task SendAsync(RelayInstance relay, string recipient, string message) =>
        RawSmtp.SendOneAsync(relay.SmtpPort, "glpi@helpdesk.local", recipient, Encoding.UTF8.GetBytes(message));
}
