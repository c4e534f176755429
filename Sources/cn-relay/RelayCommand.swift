import ArgumentParser
import CNCrypto
import CNRelayKit
import Foundation
import Logging

/// `cn-relay`: the CryptNode relay. See `man/cn-relay.8`.
@main
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cn-relay",
        abstract: "Relay end-to-end-encrypted CryptNode traffic between devices.",
        subcommands: [Serve.self, Token.self],
        defaultSubcommand: Serve.self)
}

/// Exits with a JSON error line on stderr (the toolkit's convention for fatal errors).
func fail(_ code: Int32, _ message: String) -> Never {
    let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: " ")
    FileHandle.standardError.write(Data("{\"error\":{\"code\":\(code),\"message\":\"\(escaped)\"}}\n".utf8))
    exit(code)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the relay (the default).")

    @Option(help: "Address to bind.") var host = "0.0.0.0"
    @Option(help: "Port to bind (0: any free port, logged).") var port = 9000
    @Option(help: "Directory for the secret and the SQLite store.") var dataDir = "cn-relay-data"
    @Option(help: "Directory of static files served at /.") var website: String?
    @Option(help: "PEM certificate chain (turns on TLS).") var tlsCert: String?
    @Option(help: "PEM private key.") var tlsKey: String?
    @Option(help: "Accept Google ID tokens for this OAuth client id (repeatable).") var googleClientId: [String] = []
    @Option(help: "Accepted issuer of a generic OpenID Connect provider (repeatable).") var oidcIssuer: [String] = []
    @Option(help: "Accepted audience (client id) of that provider (repeatable).") var oidcAudience: [String] = []
    @Option(help: "URL of that provider's JWK set.") var oidcJwksUrl: String?
    @Option(help: "File holding that provider's JWK set.") var oidcJwksFile: String?
    @Option(help: "TURN shared secret (coturn use-auth-secret).") var turnSecret: String?
    @Option(help: "File holding the TURN shared secret.") var turnSecretFile: String?
    @Option(help: "TURN URL handed out with credentials (repeatable).") var turnUrl: [String] = []
    @Option(help: "MSG/RTC frames per second per socket, bursts of twice that; 0 = unlimited.") var msgRate = 100
    @Option(help: "Keep ciphertext for offline devices: on or off.") var mailbox = "on"
    @Option(help: "How long mailbox items are kept (s, m, h, d).") var mailboxTtl = "14d"
    @Option(help: "Per-device mailbox limit: ITEMS[,SIZE].") var mailboxQuota = "10000,64MiB"
    @Option(help: "Outbound queue per socket before a non-reading client is closed.") var maxOutbound = "4MiB"
    @Option(help: "Serve Prometheus metrics at /metrics: on or off.") var metrics = "on"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func makeConfiguration() throws -> RelayConfiguration {
        var c = RelayConfiguration()
        c.host = host
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        c.port = port
        c.dataDirectory = dataDir
        c.websiteDirectory = website
        c.tlsCertificatePath = tlsCert
        c.tlsKeyPath = tlsKey
        if !googleClientId.isEmpty { c.identityProviders.append(.google(clientIDs: googleClientId)) }
        let generic = !oidcIssuer.isEmpty || !oidcAudience.isEmpty || oidcJwksUrl != nil || oidcJwksFile != nil
        if generic {
            guard !oidcIssuer.isEmpty, !oidcAudience.isEmpty else {
                throw ValidationError("an OpenID Connect provider needs --oidc-issuer and --oidc-audience")
            }
            switch (oidcJwksUrl, oidcJwksFile) {
            case (let url?, nil): c.identityProviders.append(.init(issuers: oidcIssuer, audiences: oidcAudience, keys: .url(url)))
            case (nil, let file?): c.identityProviders.append(.init(issuers: oidcIssuer, audiences: oidcAudience, keys: .file(file)))
            default: throw ValidationError("give exactly one of --oidc-jwks-url and --oidc-jwks-file")
            }
        }
        if let turnSecretFile {
            guard turnSecret == nil else { throw ValidationError("give --turn-secret or --turn-secret-file, not both") }
            guard let data = FileManager.default.contents(atPath: turnSecretFile) else {
                throw RelayStartupError(.configuration, "cannot read \(turnSecretFile)")
            }
            c.turnSecret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            c.turnSecret = turnSecret
        }
        c.turnURLs = turnUrl
        guard msgRate >= 0 else { throw ValidationError("--msg-rate must be ≥ 0") }
        c.messageRate = msgRate
        c.mailboxEnabled = try Self.onOff(mailbox, "--mailbox")
        c.metricsEnabled = try Self.onOff(metrics, "--metrics")
        guard let ttl = OptionValue.duration(mailboxTtl), ttl > 0 else { throw ValidationError("--mailbox-ttl: a duration such as 14d, 12h, 30m or 45s") }
        c.mailboxTTL = ttl
        let quota = mailboxQuota.split(separator: ",", maxSplits: 1).map(String.init)
        guard let items = quota.first.flatMap({ Int($0) }), items > 0 else { throw ValidationError("--mailbox-quota: ITEMS[,SIZE], e.g. 10000,64MiB") }
        c.mailboxMaxItems = items
        if quota.count == 2 {
            guard let bytes = OptionValue.size(quota[1]), bytes > 0 else { throw ValidationError("--mailbox-quota: bad SIZE") }
            c.mailboxMaxBytes = bytes
        }
        guard let outbound = OptionValue.size(maxOutbound), outbound >= 64 << 10 else { throw ValidationError("--max-outbound: a size of at least 64KiB") }
        c.maxOutboundBytes = outbound
        return c
    }

    static func onOff(_ value: String, _ name: String) throws -> Bool {
        switch value {
        case "on": return true
        case "off": return false
        default: throw ValidationError("\(name) takes on or off")
        }
    }

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown --log-level \(logLevel)") }
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cn-relay")
        do {
            let config = try makeConfiguration()
            let server = try await RelayServer.start(config, logger: logger)
            try await RelayService.runUntilSignalled(server, logger: logger)
        } catch let error as RelayStartupError {
            fail(error.exitCode, error.message)
        } catch let error as ValidationError {
            throw error
        } catch {
            fail(70, "\(error)")
        }
    }
}

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an enrollment (session) token for an e-mail, signed with the relay's secret.")

    @Option(help: "The user's e-mail address.") var email: String
    @Option(help: "Validity in days (1…365).") var days = 30
    @Option(help: "The relay's data directory (the secret is created if missing).") var dataDir = "cn-relay-data"

    func run() throws {
        guard let address = EmailAddress(email) else { throw ValidationError("not a valid e-mail address: \(email)") }
        guard (1...365).contains(days) else { throw ValidationError("--days must be 1…365") }
        do {
            let secret = try RelaySecret.loadOrCreate(dataDirectory: dataDir)
            print(SessionTokenAuthority(secret: secret).mint(email: address, days: days))
        } catch let error as RelayStartupError {
            fail(error.exitCode, error.message)
        }
    }
}
