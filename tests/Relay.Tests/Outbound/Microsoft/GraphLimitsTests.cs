using System.Net;
using System.Text;
using Relay.Accounts;
using Relay.Inbound;
using Relay.Outbound;
using Relay.Outbound.Graph;
using Relay.Testing;

namespace Relay.Tests.Outbound.Microsoft;

/// <summary>Graph's 4 MB request: the sender's boundary, the fake's cap, and the refusal at the end of DATA.</summary>
public sealed class GraphLimitsTests : IAsyncLifetime
{
    private MicrosoftTransportKit _kit = null!;

    public async Task InitializeAsync() => _kit = await MicrosoftTransportKit.StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static byte[] MessageOf(long size)
    {
        var head = Encoding.ASCII.GetBytes("From: helpdesk@contoso.example\r\nTo: user@example.net\r\nSubject: big\r\n\r\n");
        var message = new byte[size];
        head.CopyTo(message, 0);
        for (var i = head.Length; i < size; i++)
        {
            message[i] = (i - head.Length) % 78 is 76 ? (byte)'\r' : (i - head.Length) % 78 is 77 ? (byte)'\n' : (byte)'a';
        }

        return message;
    }

    [Fact]
    public void TheLimit_Is3145728BytesOfMime_WhoseBase64Is4MB()
    {
        Assert.Equal(3_145_728, GraphLimits.MaxMessageBytes);
        Assert.Equal(4_194_304, MessageContent.Base64Length(GraphLimits.MaxMessageBytes));
        Assert.Equal(4_194_308, MessageContent.Base64Length(GraphLimits.MaxMessageBytes + 1));
    }

    [Fact]
    public async Task Sender_AMessageOfExactlyTheLimit_IsPostedAndTaken()
    {
        var message = MessageOf(GraphLimits.MaxMessageBytes);

        var result = await _kit.GraphSender.SendAsync(_kit.GraphTokens, MicrosoftTransportKit.Mailbox, (stream, token) => stream.WriteAsync(message, token).AsTask(), message.Length, false, CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered, result.Outcome.Result);
        Assert.Equal(message, Assert.Single(_kit.Graph.Sent).Raw);
    }

    [Fact]
    public async Task Sender_OneByteOverTheLimit_IsRejected552WithoutARequest()
    {
        var message = MessageOf(GraphLimits.MaxMessageBytes + 1);

        var result = await _kit.GraphSender.SendAsync(_kit.GraphTokens, MicrosoftTransportKit.Mailbox, (stream, token) => stream.WriteAsync(message, token).AsTask(), message.Length, false, CancellationToken.None);

        Assert.Equal(DeliveryResult.Rejected, result.Outcome.Result);
        Assert.StartsWith("552 5.3.4 The message is 3145729 bytes", result.Outcome.Reply, StringComparison.Ordinal);
        Assert.Empty(_kit.Graph.Requests);
    }

    [Fact]
    public async Task FakeGraph_ABodyOver4MB_Gets413()
    {
        using var http = new HttpClient();
        using var content = new ByteArrayContent(new byte[FakeGraphServer.MaxRequestBytes + 4]);
        content.Headers.ContentType = new("text/plain");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_kit.Graph.BaseUrl}/v1.0/users/{MicrosoftTransportKit.Mailbox}/sendMail") { Content = content };
        request.Headers.Authorization = new("Bearer", _kit.ValidGraphToken);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("ErrorRequestEntityTooLarge", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_kit.Graph.Sent);
    }

    [Theory]
    [InlineData("Graph", false, 3_145_729, true)]
    [InlineData("Graph", false, 3_145_728, false)]
    [InlineData("Graph", true, 20_000_000, false)]
    [InlineData("Smtp", false, 20_000_000, false)]
    public void Data_AGraphAccountsMessageOverTheLimit_IsRefusedUnlessItGoesBySmtp(string transport, bool largeBySmtp, long size, bool refused)
    {
        var account = _kit.Account(Enum.Parse<AccountTransport>(transport), largeBySmtp).Settings;

        var refusal = SpoolingMessageStore.GraphSizeRefusal(account, size);

        Assert.Equal(refused, refusal is not null);
        if (refused)
        {
            Assert.Equal(
                "Message too big for this account: it is 3145729 bytes, and the account sends through Microsoft Graph, which takes at most 3145728 bytes of message (a 4 MB request); " +
                "send it smaller, or have the relay's account send large messages by SMTP (LargeMessagesBySmtp)",
                refusal);
        }
    }
}
