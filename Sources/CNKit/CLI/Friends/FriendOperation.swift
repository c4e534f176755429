import Foundation
import CNCrypto
import CNStore
import CNClient

/// One `cn-friend` operation: from a subcommand or from a JSON line on stdin
/// (`{"op":"request","email":"bob@example.com"}`, DESIGN §4). One place runs both.
public struct FriendOperation: Codable, Sendable {
    /// The operations, by their name on the command line and in JSON lines.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case request, accept, deny, remove, block, unblock, list, pending, fingerprint, verify, trust

        /// Whether the operation names a peer.
        var needsEmail: Bool { ![.list, .pending].contains(self) }
    }

    public var op: Kind
    public var email: String?
    /// For `verify`: the safety number as read from the other side.
    public var number: String?
    /// For `list`: include every known peer (asked, asking, blocked), not only friends.
    public var all: Bool?

    public init(op: Kind, email: String? = nil, number: String? = nil, all: Bool? = nil) {
        self.op = op
        self.email = email
        self.number = number
        self.all = all
    }

    /// Runs the operation on the relay-synced account (or offline) and prints its lines.
    public func perform(_ options: ClientOptions, offline: Bool = false) async throws {
        let context = try ClientContext(options, offline: offline)
        if !offline { try await context.connect() }
        for line in try await run(in: context) { Output.emit(line) }
        await context.close()
    }

    /// Runs the operation and returns its output lines.
    public func run(in context: ClientContext) async throws -> [any Encodable & Sendable] {
        let service = try context.session
        let database = service.database
        var peer: EmailAddress?
        if op.needsEmail {
            guard let raw = email else { throw CommandFailure(.dataError, "\"\(op.rawValue)\" needs an \"email\"") }
            guard let address = EmailAddress(raw) else { throw CommandFailure(.dataError, "\"\(raw)\" is not a valid e-mail address") }
            peer = address
        }
        let timeout = context.options.wait
        switch op {
        case .request: return [try await service.request(peer!, via: try await context.connect(), timeout: timeout)]
        case .accept: return [try await service.accept(peer!, via: try await context.connect(), timeout: timeout)]
        case .deny: return [try await service.deny(peer!, via: try await context.connect(), timeout: timeout)]
        case .remove: return [try await service.remove(peer!, via: try await context.connect(), timeout: timeout)]
        case .block: return [try await service.block(peer!, via: try await context.connect(), timeout: timeout)]
        case .unblock: return [try await service.unblock(peer!, via: try await context.connect(), timeout: timeout)]
        case .fingerprint: return [try service.safetyNumber(with: peer!)]
        case .trust: return [try service.trust(peer!)]
        case .verify:
            guard let number, !SafetyNumber.normalized(number).isEmpty else { throw CommandFailure(.dataError, "\"verify\" needs a \"number\"") }
            return [try service.verify(peer!, number: number)]
        case .pending:
            guard context.isConnected else {
                // Offline: what the last sync recorded (the packets themselves stay on the relay).
                return try database.peers().filter { $0.state == .incoming }.map { record in
                    PendingLine(email: record.email, name: database.profile(of: record)?.name,
                                devices: try database.devices(of: record.email).filter { $0.trust != .retired }.map(\.publicKey),
                                timestamp: nil)
                }
            }
            return service.pendingRequests.map { request in
                PendingLine(email: request.email.value, name: request.profile.name, devices: request.devices.map(\.base64), timestamp: request.timestamp)
            }
        case .list:
            return try database.peers().filter { all == true || $0.state == .friend }.map { record in
                PeerLine(record, devices: try database.devices(of: record.email), profile: database.profile(of: record))
            }
        }
    }
}

/// A pending friend request as `cn-friend pending` prints it.
public struct PendingLine: Codable, Sendable {
    public var email: String
    public var name: String?
    public var devices: [String]
    public var timestamp: String?
}

/// A peer as `cn-friend list` prints it.
public struct PeerLine: Codable, Sendable {
    public struct Device: Codable, Sendable {
        public var key: String
        /// `trusted`, `unconfirmed` (held back: accept with `verify` or `trust`) or `retired`.
        public var trust: String
        public var firstSeen: Int64
    }

    public var email: String
    /// `friend`, `outgoing` (asked), `incoming` (asking) or `none`.
    public var state: String
    public var sid: String
    public var verified: Bool
    public var blocked: Bool
    /// A device key appeared or changed and has not been accepted.
    public var keyChanged: Bool
    public var name: String?
    public var since: Int64?
    public var devices: [Device]

    init(_ record: PeerRecord, devices: [PeerDeviceRecord], profile: PeerProfile?) {
        email = record.email
        state = record.state.rawValue
        sid = record.sid
        verified = record.verified
        blocked = record.blocked
        keyChanged = record.keyChanged
        name = profile?.name
        since = record.friendsSince
        self.devices = devices.map { Device(key: $0.publicKey, trust: $0.trust.rawValue, firstSeen: $0.firstSeen) }
    }
}
