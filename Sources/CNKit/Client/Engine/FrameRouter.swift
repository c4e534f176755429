import CNProtocol

/// A service of the client engine: handed every relay frame, in order, it acts on the
/// frames it owns (PEER_ONLINE matters to several) and ignores the rest.
public protocol FrameService: Sendable {
    /// Handles one frame; the next service, and then the next frame, wait until it returns.
    func receive(_ frame: RelayFrame, from client: RelayClient) async
    /// The frames of one read from the socket have all been handled (or the connection
    /// ended): what the service deferred to batch them is done now.
    func endOfBurst(from client: RelayClient) async
}

extension FrameService {
    /// Nothing is deferred.
    public func endOfBurst(from client: RelayClient) async {}
}

/// Hands each relay frame, in order, to each service in turn: friends and trust first
/// (keys are pinned before a message is opened), then messaging, later files and calls.
public struct FrameRouter: RelayFrameSink {
    public let services: [any FrameService]

    public init(_ services: [any FrameService]) { self.services = services }

    public func receive(_ frame: RelayFrame, from client: RelayClient) async {
        switch frame {
        case .message, .delivered, .deliveryFailed, .ping, .pong:
            break
        default:
            // A burst is a run of messages and their answers: anything else (a key change, a
            // friend request) ends it, so that events keep the order of the frames.
            await endOfBurst(from: client)
        }
        for service in services { await service.receive(frame, from: client) }
    }

    public func endOfBurst(from client: RelayClient) async {
        for service in services { await service.endOfBurst(from: client) }
    }
}
