namespace Relay.Notify;

/// <summary>A way of telling the operator (e-mail, webhook). Never blocks delivery, never throws for its own failure.</summary>
internal interface INotifier
{
    /// <summary>Whether its option is set.</summary>
    bool Enabled { get; }

    /// <summary>Hands the notification over (queued to the spool, or to the webhook sender).</summary>
    Task SendAsync(Notification notification, CancellationToken cancellationToken);
}
