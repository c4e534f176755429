import CNProtocol

/// A service of the client engine: handed every relay frame, in order, it acts on the
/// frames it owns (PEER_ONLINE matters to several) and ignores the rest.
public protocol FrameService: Sendable {
    /// Handles one frame; the next service, and then the next frame, wait until it returns.
    func receive(_ frame: RelayFrame, from client: RelayClient) async
}

/// Hands each relay frame, in order, to each service in turn: friends and trust first
/// (keys are pinned before a message is opened), then messaging, later files and calls.
public struct FrameRouter: RelayFrameSink {
    public let services: [any FrameService]

    public init(_ services: [any FrameService]) { self.services = services }

    public func receive(_ frame: RelayFrame, from client: RelayClient) async {
        for service in services { await service.receive(frame, from: client) }
    }
}
