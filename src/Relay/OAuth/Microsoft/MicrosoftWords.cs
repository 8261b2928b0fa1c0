namespace Relay.OAuth.Microsoft;

/// <summary>The sentences that tell a person where Microsoft keeps what the relay cannot revoke.</summary>
internal static class MicrosoftWords
{
    /// <summary>Where a person removes the relay's consent: Microsoft has no endpoint for an app to revoke it.</summary>
    public const string RemoveConsent =
        "Microsoft has no way for an app to revoke its own access: remove the consent at https://myapps.microsoft.com (work or school account: " +
        "the app → Revoke permissions, or an administrator in Entra ID → Enterprise applications) or at https://account.live.com/consent/Manage (Outlook.com)";
}
