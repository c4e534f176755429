import Foundation
import Synchronization
import Crypto
import CNProtocol
import CNCrypto
import CNStore

/// The messaging service (PROTOCOL §5.6, §6.3, §7, §7.3): seals what this account sends into
/// the outbox and sends it, settles the outbox with the relay's DELIVERED notes, resends to
/// devices that come online, and opens, checks and stores what arrives.
///
/// Several processes of one account may run it at once (a `cn-recv --follow` agent and any
/// number of `cn-send`): each outbox item is sent by the process holding its claim in the
/// database, received messages are stored once by id, and every event is logged once.
public final class MessagingService: FrameService, PacketSender {
    /// The account this service works for.
    public let account: Account
    /// Its database.
    public let database: AccountDatabase
    let events: EventReporter
    /// The services that handle the inner packets this one does not own, in order.
    let packetServices: [any PacketService]
    /// Milliseconds since 1970 (a parameter so that tests can set the clock).
    let now: @Sendable () -> Int64
    /// This process's name on outbox claims.
    let owner: String
    let changed = ChangeSignal()
    let state = Mutex(State())
    /// Peers and devices, read once per burst of messages.
    let cache: ConversationCache

    /// How long an outbox claim lasts: a process that dies leaves its items to others after it.
    static let claimLease: Int64 = 60_000
    /// How long a message handed to a peer's device waits for that device's receipt before
    /// a flush sends it again.
    static let receiptWait: Int64 = 30_000
    /// Transmissions after which a message is taken as delivered without a receipt (a peer
    /// whose client sends none, such as the original app).
    static let maximumAttempts = 8
    /// How long an item rests after the relay reported its device offline (mailbox off or
    /// full), unless the device comes online first.
    static let offlineRest: Int64 = 300_000
    /// Edits and deletes are honoured this long after the message (PROTOCOL §7).
    static let editWindow: Int64 = 24 * 3_600_000

    /// The service's in-memory state.
    struct State {
        /// Pairwise keys by device key (an ECDH each; messages reuse them).
        var keys: [String: SymmetricKey] = [:]
        /// The last timestamp given to an outgoing packet (kept strictly increasing, so
        /// messages sent in one millisecond keep their order).
        var lastTimestamp: Int64 = 0
        /// Items this process sent and has not heard back about, by MSG id.
        var inFlight: [String: InFlight] = [:]
        /// The items a caller watches (``SendTicket``): their outcome is kept for it, even
        /// when a reconnection sends them again.
        var watched: Set<String> = []
        /// Outcomes of the watched items, by MSG id.
        var outcomes: [String: ItemOutcome] = [:]
        /// Flushes asked for and not yet run; one runs at a time, off the frame path.
        var flushRequests: [(devices: Set<String>?, awaiting: Bool)] = []
        var flushing = false
        /// SESSION_LISTs seen: the first is this process's sign-in, later ones reconnections.
        var sessions = 0
        /// Mailbox items stored and not yet acknowledged.
        var acks: [String] = []
        /// Delivered receipts to send, per conversation.
        var receipts: [String: [String]] = [:]
        var flushScheduled = false
        /// The relay answered `rate_limited`: send one item at a time from now on.
        var throttled = false
        /// Items the relay refused with `rate_limited`, in the order they were sent: sent
        /// again in that order, one at a time, before anything new.
        var retryQueue: [String] = []
        var retrying = false
        /// Items answered whose outbox rows are not yet updated: written in one transaction
        /// a moment later (a burst of DELIVERED is one write, not one each).
        var settlements: [(settlement: AccountDatabase.Settlement, messageID: String?, sid: String, watched: Bool)] = []
        var settlementsScheduled = false
        /// Messages opened and checked, stored together when the burst of frames they came
        /// in ends (one transaction for a burst, not one per message).
        var pendingStores: [PendingStore] = []
        /// Mailbox acknowledgements held until nothing received is pending or being written.
        var heldAcks: [String] = []
        /// Writes of pending messages under way (another task may write while one does).
        var storesWriting = 0
        var stopped = false
        var client: RelayClient?
    }

    /// A received message waiting to be stored with its burst.
    struct PendingStore {
        var record: MessageRecord
        var event: ClientEvent
        var line: [UInt8]
    }

    /// An item on its way.
    struct InFlight {
        var sid: String
        var messageID: String?
        /// MSG frames it went out in (a large fan-out is split) that have not been answered.
        var framesLeft: Int
        var report = DeliveryReport()
        /// When it went: an item unanswered for ``answerWait`` no longer holds the window.
        var sentAt: ContinuousClock.Instant
    }

    /// How long an item may wait for DELIVERED before it stops counting against the window.
    static let answerWait: Duration = .seconds(30)

    /// What became of an item.
    enum ItemOutcome: Sendable {
        case settled(DeliveryReport)
        case failed(ClientError)
    }

    public init(account: Account, database: AccountDatabase, events: EventReporter, packetServices: [any PacketService] = [],
                now: @escaping @Sendable () -> Int64 = WallClock.milliseconds) {
        self.account = account
        self.database = database
        self.events = events
        self.packetServices = packetServices
        cache = ConversationCache(database: database)
        self.now = now
        var random = SystemRandomNumberGenerator()
        owner = "\(getpid())-\(String(random.next(), radix: 36))"
    }

    // MARK: Frames

    public func receive(_ frame: RelayFrame, from client: RelayClient) async {
        state.withLock { $0.client = client }
        switch frame {
        case .message, .delivered, .deliveryFailed, .ping, .pong, .error: break
        default: cache.invalidate()  // the session service may have changed peers or keys
        }
        switch frame {
        case .message(let message): await receiveMessage(message, from: client)
        case .delivered(let notice), .deliveryFailed(let notice): settle(notice)
        case .error(let id?, let body): await failed(itemID: id, body, via: client)
        case .sessionList:
            // Signed in (again): everything this account still owes the relay goes now; after
            // a reconnection also what waits for a receipt (it may have been lost with the
            // connection). What was on its way on the old connection goes again with it.
            let reconnected = state.withLock { state -> Bool in
                state.sessions += 1
                state.throttled = false
                state.inFlight.removeAll()
                state.retryQueue.removeAll()  // the flush sends them again, in order
                return state.sessions > 1
            }
            flush(devices: nil, awaiting: reconnected, via: client)
        case .peerOnline(let sid, let online):
            // The device is back: what it was handed before may be lost with its old process.
            flush(devices: [online.devicePublicKey], awaiting: true, via: client)
            let sender = BoundSender(service: self, client: client)
            for service in packetServices { await service.deviceOnline(sid: sid, device: online.devicePublicKey, via: sender) }
        default:
            break
        }
    }

    /// Gives up this process's outbox claims (it is ending), so another process of the
    /// account sends what is left at once instead of after the lease.
    public func stop() {
        writePendingStores()
        state.withLock { $0.stopped = true }
        writeSettlements()
        try? database.releaseClaims(owner: owner)
        changed.notify()
    }

    // MARK: Keys and clocks

    /// K(me, device), computed once per device.
    func pairwiseKey(_ device: String) throws -> SymmetricKey {
        if let key = state.withLock({ $0.keys[device] }) { return key }
        guard let peer = DevicePublicKey(base64: device) else { throw ClientError(.protocolViolation, "an invalid device key") }
        let key = try account.identity.pairwiseKey(with: peer)
        state.withLock { $0.keys[device] = key }
        return key
    }

    /// A timestamp for an outgoing packet: the clock, but always after the previous one.
    func nextTimestamp() -> Int64 {
        let clock = now()
        return state.withLock { state in
            state.lastTimestamp = max(clock, state.lastTimestamp + 1)
            return state.lastTimestamp
        }
    }

    func report(_ reason: String, sid: String? = nil, from: String? = nil, device: String? = nil) {
        writePendingStores()  // events keep the order of the frames
        events.report(.rejected(RejectedEvent(reason, sid: sid, from: from, fromDevice: device, ts: now())))
    }
}

/// SHA-256 of bytes, as bytes.
func digest(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

/// A ``PacketSender`` bound to one connection.
struct BoundSender: PacketSender {
    let service: MessagingService
    let client: RelayClient

    func send(_ packet: InnerPacket, sid: String, to devices: [String], keep: Bool) async throws {
        try await service.send(packet, sid: sid, to: devices, keep: keep, via: client)
    }
}
