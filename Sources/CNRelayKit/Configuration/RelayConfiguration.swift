import Foundation
import CNProtocol

/// Everything `cn-relay serve` can be told. Defaults are the documented ones
/// (`man/cn-relay.8`); tests shorten the timers.
public struct RelayConfiguration: Sendable {
    /// Address to bind.
    public var host = "0.0.0.0"
    /// Port to bind; 0 picks a free one (read it from ``RelayServer/localPort``).
    public var port = 9000
    /// Where the secret and the SQLite store live.
    public var dataDirectory = "cn-relay-data"
    /// Static files served at `/`; nil serves the built-in placeholder page.
    public var websiteDirectory: String?
    /// PEM certificate chain and key; both set turns on TLS (`wss://`, `https://`).
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// OpenID Connect providers whose ID tokens AUTH accepts.
    public var identityProviders: [IdentityProvider] = []
    /// coturn `use-auth-secret` secret and the TURN URLs handed out with credentials.
    public var turnSecret: String?
    public var turnURLs: [String] = []
    public var turnTTL = 600
    /// MSG/RTC frames per second per socket (bursts of twice that); 0 = unlimited.
    public var messageRate = 100
    /// Whether to keep ciphertext for offline devices (PROTOCOL §5.10).
    public var mailboxEnabled = true
    /// How long a mailbox item is kept, in seconds.
    public var mailboxTTL: Int64 = 14 * 86_400
    /// Per-device mailbox limits.
    public var mailboxMaxItems = 10_000
    public var mailboxMaxBytes = 64 * 1_048_576
    /// Bytes a socket may have queued for writing before it counts as a stalled reader and is closed.
    public var maxOutboundBytes = 4 * 1_048_576
    /// Serve Prometheus metrics at `/metrics`.
    public var metricsEnabled = true
    /// Seconds between heartbeat PINGs, and of silence before a socket is closed.
    public var heartbeatInterval = ProtocolLimits.heartbeatInterval
    public var silenceTimeout = ProtocolLimits.relaySilenceTimeout
    /// Seconds an upgraded socket may stay unauthenticated, and a socket may stay silent
    /// before its WebSocket upgrade.
    public var authenticationTimeout: Int64 = 60
    public var preUpgradeTimeout: Int64 = 30
    /// Seconds between sweeps of expired store rows.
    public var sweepInterval: Int64 = 3_600
    /// How long hashed connection-log rows are kept, in seconds.
    public var connectionLogRetention: Int64 = 30 * 86_400

    public init() {}

    /// The relay secret's path.
    public var secretPath: String { dataDirectory + "/relay.secret" }
    /// The SQLite store's path.
    public var databasePath: String { dataDirectory + "/relay.sqlite" }
}

/// An OpenID Connect issuer whose RS256 ID tokens are accepted for AUTH.
public struct IdentityProvider: Sendable {
    /// Where the provider's JWK set comes from.
    public enum KeySource: Sendable {
        /// Fetched over HTTP(S), cached per Cache-Control.
        case url(String)
        /// Read once from a file.
        case file(String)
    }

    /// Accepted `iss` values.
    public var issuers: [String]
    /// Accepted `aud` values (client ids).
    public var audiences: [String]
    public var keys: KeySource

    public init(issuers: [String], audiences: [String], keys: KeySource) {
        self.issuers = issuers
        self.audiences = audiences
        self.keys = keys
    }

    /// Google sign-in for the given OAuth client ids.
    public static func google(clientIDs: [String]) -> IdentityProvider {
        IdentityProvider(
            issuers: ["https://accounts.google.com", "accounts.google.com"],
            audiences: clientIDs,
            keys: .url("https://www.googleapis.com/oauth2/v3/certs"))
    }
}

/// Parsers for the human-friendly option values (`14d`, `64MiB`).
public enum OptionValue {
    /// `N[s|m|h|d]` → seconds; a plain number is seconds.
    public static func duration(_ s: String) -> Int64? {
        let units: [(String, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            guard let n = Int64(s.dropLast(suffix.count)), n >= 0 else { return nil }
            return n.multipliedReportingOverflow(by: factor).overflow ? nil : n * factor
        }
        guard let n = Int64(s), n >= 0 else { return nil }
        return n
    }

    /// `N[KiB|MiB|GiB]` → bytes.
    public static func size(_ s: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]
        for (suffix, factor) in units where s.hasSuffix(suffix) {
            guard let n = Int(s.dropLast(suffix.count)), n >= 0 else { return nil }
            return n.multipliedReportingOverflow(by: factor).overflow ? nil : n * factor
        }
        guard let n = Int(s), n >= 0 else { return nil }
        return n
    }
}
