import Foundation
import CNProtocol
import CNCrypto
import CNStore
import CNClient

/// What `cn-account`'s subcommands do: each prints its JSON lines on stdout. The executable
/// only declares the commands.
public enum AccountWorkflows {
    /// `init`: creates the account on this device and signs in (unless `offline`); nothing
    /// half-made stays behind if the relay refuses.
    public static func create(_ options: ClientOptions, email: String?, signIn: SignIn, protect: Bool, offline: Bool) async throws {
        guard let relay = options.relayOverride else { throw CommandFailure(.usage, "--relay (or CN_RELAY) is required: the relay's ws:// or wss:// URL") }
        _ = try ClientEngine.endpoint(relay, environment: options.environment)
        let credential = try await signIn.credential()
        guard let email = try email.map({ try Arguments.email($0) }) ?? UnverifiedIDToken.email(in: credential) else {
            throw CommandFailure(.noPermission, "the sign-in gave no e-mail address")
        }
        if let named = SessionTokenInfo.email(credential), named != email {
            throw CommandFailure(.noPermission, "that token is for \(named.value), not \(email.value)")
        }
        let passphrase = protect ? try options.passphrase.read(confirm: true) : nil
        let store = options.store
        let account = try store.create(email: email, relay: relay, sessionToken: credential, passphrase: passphrase)
        if !offline {
            var named = options
            named.account = email.value
            named.passphraseFile = nil
            do {
                let context = try ClientContext(named, account: account)
                let client = try await context.connect()
                let confirmed = await client.email
                await context.close()
                guard confirmed == email else {
                    throw CommandFailure(.noPermission, "the relay signed this device in as \(confirmed?.value ?? "nobody"), not \(email.value)")
                }
            } catch {
                // Nothing half-made stays behind: the account is only kept once the relay took it.
                try? store.remove(email.value)
                throw error
            }
        }
        let entry = try store.entry(for: email.value)
        Output.emit(AccountLine(account: account, entry: entry))
        if !options.quiet {
            Output.note("cn-account: created \(email.value). Write down its recovery phrase: cn-account mnemonic")
        }
    }

    /// `login`: signs the account in again; the old token stays until the relay accepted the new one.
    public static func login(_ options: ClientOptions, signIn: SignIn) async throws {
        let context = try ClientContext(options)
        let credential = try await signIn.credential()
        if let claimed = UnverifiedIDToken.email(in: credential) ?? SessionTokenInfo.email(credential), claimed != context.account.email {
            throw CommandFailure(.noPermission, "that sign-in is for \(claimed.value), not \(context.account.email.value)")
        }
        let previous = try context.account.sessionToken()
        func restore() {
            if let previous { try? context.account.saveSessionToken(previous) } else { try? context.account.forgetSessionToken() }
        }
        try context.account.saveSessionToken(credential)
        do {
            let client = try await context.connect()
            let confirmed = await client.email
            await context.close()
            guard confirmed == context.account.email else {
                throw CommandFailure(.noPermission, "the relay signed this device in as \(confirmed?.value ?? "nobody")")
            }
        } catch {
            restore()
            throw error
        }
        Output.emit(AccountLine(account: context.account, entry: try options.store.entry(for: context.account.email.value)))
    }

    /// `list`: the accounts of the store.
    public static func list(_ options: ClientOptions) throws {
        for entry in try options.store.accounts() { Output.emit(AccountLine(entry: entry)) }
    }

    /// `use`: makes an account the default.
    public static func use(_ options: ClientOptions, email raw: String) throws {
        let email = try Arguments.email(raw)
        try options.store.setDefault(email.value)
        Output.emit(AccountLine(entry: try options.store.entry(for: email.value)))
    }

    /// `whoami`'s line.
    struct WhoAmILine: Codable {
        var email: String
        var relay: String
        var device: String
        var passphrase: Bool
        var sessionExpires: String?
        /// `ok` (the relay accepted the session), or `unchecked` with --offline.
        var relayStatus: String
    }

    /// `whoami`: the account in use, its session checked with the relay unless `offline`.
    public static func whoami(_ options: ClientOptions, offline: Bool) async throws {
        let context = try await ClientContext.synced(options, offline: offline)
        let token = try context.account.sessionToken()
        Output.emit(WhoAmILine(email: context.account.email.value, relay: options.relayOverride ?? context.account.relay,
                               device: context.account.identity.publicKey.base64, passphrase: context.account.isPassphraseProtected,
                               sessionExpires: token.flatMap(SessionTokenInfo.expiry).map(Output.rfc3339),
                               relayStatus: offline ? "unchecked" : "ok"))
    }

    /// One device of `devices`.
    struct DeviceLine: Codable {
        var device: String
        var current: Bool
        /// `trusted` or `unconfirmed`.
        var trust: String
        var firstSeen: Int64?
    }

    /// `devices`: this account's devices as last synced; accepts new ones. `acceptAll` takes
    /// the devices that were waiting before this run: one the relay adds during this run's
    /// sync is shown, not accepted unseen.
    public static func devices(_ options: ClientOptions, offline: Bool, accept: [String], acceptAll: Bool) async throws {
        let context = try ClientContext(options, offline: offline)
        let database = try context.database
        let waiting = acceptAll ? Set(try database.ownDevices().filter { $0.trust == .unconfirmed }.map(\.publicKey)) : []
        if !offline {
            try await context.connect()
            await context.close()
        }
        if acceptAll || !accept.isEmpty {
            let known = Set(try database.ownDevices().map(\.publicKey))
            for key in accept where !known.contains(key) {
                throw CommandFailure(.dataError, "\(key) is not a device of this account that the relay lists")
            }
            _ = try database.acceptOwnDevices(acceptAll ? waiting : Set(accept))
        }
        Output.emit(DeviceLine(device: context.account.identity.publicKey.base64, current: true, trust: "trusted"))
        for device in try database.ownDevices() {
            Output.emit(DeviceLine(device: device.publicKey, current: false, trust: device.trust.rawValue, firstSeen: device.firstSeen))
        }
    }

    /// `profile`'s line.
    struct ProfileLine: Codable {
        var email: String
        var name: String?
        var nameVersion: Int
        /// `sent` (every friend's devices have it or the relay's mailbox holds it), `queued`
        /// (kept in the outbox), or `unchanged` when only shown.
        var status: String
    }

    /// `profile [--name N]`: shows or sets the name friends see (a higher version each
    /// time), sent to every friend and this account's other devices.
    public static func profile(_ options: ClientOptions, name: String?, offline: Bool, wait: Duration) async throws -> ExitStatus {
        let context = try ClientContext(options, offline: offline)
        guard let name else {
            let profile = try context.database.ownProfile()
            Output.emit(ProfileLine(email: context.account.email.value, name: profile?.name, nameVersion: profile?.nameVersion ?? 0, status: "unchanged"))
            return .ok
        }
        var client: RelayClient?
        if !offline {
            do { client = try await context.connect() } catch let error as ClientError where error.kind == .unreachable || error.kind == .timedOut {
                if !options.quiet { Output.diagnostic(["warning": "the relay is unreachable (\(error.message)): the profile is queued"]) }
            }
        }
        let messaging = try context.messaging
        // Without a connection the packets wait in the outbox for the next command that has one.
        let profile = try await context.engine.sync.setName(name.isEmpty ? nil : name, via: client.map { messaging.sender(for: $0) } ?? messaging)
        let settled = client == nil ? false : await messaging.awaitOutbox(until: .now + wait)
        await context.close()
        Output.emit(ProfileLine(email: context.account.email.value, name: profile.name, nameVersion: profile.nameVersion,
                                status: settled ? "sent" : "queued"))
        return settled ? .ok : .tempFail
    }

    /// `logout`: forgets the session token.
    public static func logout(_ options: ClientOptions) throws {
        let context = try ClientContext(options)
        try context.account.forgetSessionToken()
        Output.emit(["email": context.account.email.value, "status": "logged_out"])
    }

    /// `remove`: deletes the account from this device (asks on a terminal unless `force`).
    public static func remove(_ options: ClientOptions, email raw: String, force: Bool) throws {
        let email = try Arguments.email(raw)
        _ = try options.store.entry(for: email.value)
        if !force {
            guard isatty(STDIN_FILENO) == 1 else { throw CommandFailure(.usage, "removing an account deletes its keys: add --force") }
            Output.note("Remove \(email.value) and its keys from this device? Type the e-mail to confirm:")
            guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == email.value else {
                throw CommandFailure(.usage, "not confirmed; nothing removed")
            }
        }
        try options.store.remove(email.value)
        Output.emit(["email": email.value, "status": "removed"])
    }

    /// `mnemonic`: the recovery phrase, on a terminal unless `force`.
    public static func mnemonic(_ options: ClientOptions, force: Bool) throws {
        guard force || isatty(STDOUT_FILENO) == 1 else {
            throw CommandFailure(.usage, "stdout is not a terminal: add --force to write the recovery phrase into a pipe or file")
        }
        let context = try ClientContext(options)
        Output.emit(["email": context.account.email.value, "mnemonic": context.account.mnemonic.phrase])
    }

    /// `passphrase set`: the new passphrase from `--new-passphrase-file` or `CN_NEW_PASSPHRASE*`.
    public static func setPassphrase(_ options: ClientOptions, newPassphraseFile: String?) throws {
        let context = try ClientContext(options)
        let source = PassphraseSource(file: newPassphraseFile, environment: options.environment,
                                      variable: "CN_NEW_PASSPHRASE", prompt: "New passphrase: ")
        try context.account.setPassphrase(try source.read(confirm: true))
        Output.emit(["email": context.account.email.value, "passphrase": "set"])
    }

    /// `passphrase remove`.
    public static func removePassphrase(_ options: ClientOptions) throws {
        let context = try ClientContext(options)
        try context.account.setPassphrase(nil)
        Output.emit(["email": context.account.email.value, "passphrase": "removed"])
    }
}
