import Foundation
import Testing

/// Several commands of one account at once, and messages under a relay killed with -9 and
/// an agent killed mid-stream: every message arrives exactly once.
@Suite(.serialized)
struct ReliabilityTests {

    @Test func threeSendersBesideTheAgentDeliverEveryMessageOnce() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.befriend(bob)
        let agent = try alice.start("cn-recv", ["--follow"])
        defer { agent.process.terminate() }
        try await Task.sleep(for: .milliseconds(300))

        let texts = (0..<3).map { sender in (0..<50).map { "sender \(sender) line \($0)" } }
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for lines in texts {
                group.addTask { try await alice.send(["--to", "bob@example.com"], stdin: lines.joined(separator: "\n") + "\n") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for outcome in outcomes { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let sentIDs = outcomes.flatMap { $0.lines.compactMap { $0["id"] as? String } }
        #expect(Set(sentIDs).count == 150)

        let received = (try await bob.recv(["--idle", "2"])).messages
        #expect(received.count == 150, "every message once")
        #expect(Set(received.compactMap { $0["id"] as? String }) == Set(sentIDs))
        #expect(Set(received.compactMap { $0["text"] as? String }) == Set(texts.flatMap { $0 }))
        // Nothing is left queued in alice's outbox.
        let history = try await alice.recv(["--history"])
        #expect(history.lines.count == 150)
        #expect(history.lines.allSatisfy { ["stored", "delivered", "read"].contains($0["status"] as? String) }, "\(history.stdout.prefix(2000))")
    }

    /// 10,000 messages while the relay is killed with -9 and restarted 5 times and bob's agent
    /// is killed twice: bob's history holds each message once, and no event line repeats.
    @Test func tenThousandMessagesThroughRelayAndAgentKills() async throws {
        var relay = try await LocalRelay.start(["--msg-rate", "0"])
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.befriend(bob)
        var agents = [try bob.start("cn-recv", ["--follow", "-q"])]
        let aliceAgent = try alice.start("cn-recv", ["--follow", "-q"])
        let input = Pipe()
        let sender = try alice.start("cn-send", ["--to", "bob@example.com", "--wait", "120", "-q"], stdin: input)
        let total = 10_000, epochs = 5
        for epoch in 0..<epochs {
            let lines = (epoch * total / epochs..<(epoch + 1) * total / epochs).map { "message \($0)" }
            input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            try await Task.sleep(for: .milliseconds(1200))
            await relay.kill()
            if epoch == 1 || epoch == 3 {
                let old = agents[agents.count - 1]
                kill(old.process.processIdentifier, SIGKILL)
                _ = try? await old.finish(timeout: 10)
                agents.append(try bob.start("cn-recv", ["--follow", "-q"]))
            }
            try await Task.sleep(for: .milliseconds(300))
            relay = try await relay.restarted(["--msg-rate", "0"])
        }
        try input.fileHandleForWriting.close()
        let lastRelay = relay
        let allAgents = agents + [aliceAgent]
        defer {
            for agent in allAgents { agent.process.terminate() }
            Task { await lastRelay.stop() }
        }
        let sent = try await sender.finish(timeout: 300)
        #expect([0, 75].contains(sent.status), "\(sent.stderr.suffix(2000))")

        // Whatever cn-send left queued, alice's agent delivers; bob's agent stores.
        let deadline = Date().addingTimeInterval(240)
        var history: [[String: Any]] = []
        while Date() < deadline {
            history = try await bob.recv(["--history"], timeout: 120).lines
            if history.count >= total { break }
            try await Task.sleep(for: .seconds(2))
        }
        let ids = history.compactMap { $0["id"] as? String }
        #expect(ids.count == total, "bob's history holds \(ids.count) of \(total)")
        #expect(Set(ids).count == ids.count, "no message twice")
        #expect(Set(history.compactMap { $0["text"] as? String }) == Set((0..<total).map { "message \($0)" }))
        // No event line printed twice across the agent's three lives.
        let printed = agents.flatMap { agent in
            agent.stdout.split(separator: "\n").compactMap { line -> String? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      object["type"] as? String == "message" else { return nil }
                return object["id"] as? String
            }
        }
        #expect(Set(printed).count == printed.count, "\(printed.count - Set(printed).count) message lines repeated")
    }
}
