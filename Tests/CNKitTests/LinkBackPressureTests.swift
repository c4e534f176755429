import Foundation
import Testing
import CNProtocol
@testable import CNClient
import NIOCore

/// The link's inbound back-pressure: a relay that sends faster than the client reads fills
/// the TCP window, not the client's memory, and nothing is lost.
struct LinkBackPressureTests {
    @Test func aFloodPausesReadingAndEveryFrameStillArrives() async throws {
        let frames = 400, bytes = 64 * 1024
        let relay = try await ScriptedRelay(.flood(frames: frames, bytes: bytes))
        defer { Task { await relay.stop() } }
        let link = try await WebSocketLink.connect(to: RelayEndpoint("ws://127.0.0.1:\(relay.port)")!, group: RelayClient.sharedGroup,
                                                   timeout: .seconds(5))
        try await link.send(FrameCodec.encode(.auth(AuthRequest(token: "t", publicKey: IdentityKeyFixture.publicKey))))
        // Nobody reads for a while: 25 MiB are on their way.
        let deadline = Date().addingTimeInterval(10)
        while !link.events.budget.isPaused, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(link.events.budget.isPaused, "reading paused at the high-water mark")
        try await Task.sleep(for: .milliseconds(500))
        // Held: at most the high-water mark plus what one read brought in (NIO reads at most 64 KiB at a time, a few times).
        #expect(link.events.budget.waiting <= InboundBudget.highWater + 1_048_576, "waiting \(link.events.budget.waiting) bytes")
        var received = 0
        for await event in link.events {
            if case .readComplete = event { continue }
            guard case .text(let text) = event else { break }
            if text.count < 1024 { continue }  // the post-AUTH state before the flood
            #expect(text.count == bytes + 21)
            received += 1
            if received == frames { break }
        }
        #expect(received == frames)
        #expect(!link.events.budget.isPaused)
        await link.close()
    }
}

/// A valid device key for frames that need one.
enum IdentityKeyFixture {
    static let publicKey = "BHI4mmiIm6QL7SfNNP5iY0CeieBF+N6VZcSzWvp8gzOsyORsoNz6GJgIc+7RMAcYl2cXAUejSnq1UL4OELOgbcs="
}
