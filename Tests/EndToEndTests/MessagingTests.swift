import Foundation
import Testing

/// Messages through the built `cn-send` and `cn-recv` and a real relay, each account in its
/// own `$CN_HOME`, exactly as a script drives them.
@Suite(.serialized)
struct MessagingTests {
    /// A relay and two friends, alice and bob.
    static func friends(_ extra: [String] = []) async throws -> (LocalRelay, Device, Device) {
        let relay = try await LocalRelay.start(extra)
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.befriend(bob)
        return (relay, alice, bob)
    }


    @Test func aPipedLineReachesTheFriendOnceFromTheMailbox() async throws {
        let (relay, alice, bob) = try await Self.friends()
        defer { Task { await relay.stop() } }
        let sent = try await alice.send(["--to", "bob@example.com"], stdin: "hi\n")
        #expect(sent.status == 0, "\(sent)")
        let result = try #require(sent.lines.first)
        #expect(result["status"] as? String == "stored", "bob is offline: the relay's mailbox holds it")
        #expect(result["stored"] as? [String] == [try await bob.deviceKey()])
        #expect(result["to"] as? String == "bob@example.com")

        let received = try await bob.recv()
        #expect(received.status == 0, "\(received)")
        let message = try #require((received).messages.first, "\(received)")
        #expect(message["text"] as? String == "hi")
        #expect(message["from"] as? String == "alice@example.com")
        #expect(message["fromDevice"] as? String == (try await alice.deviceKey()))
        #expect(message["id"] as? String == result["id"] as? String)
        #expect(message["sid"] as? String == result["sid"] as? String)
        #expect(message["queued"] as? Bool == true)

        // Exactly once: the next cn-recv has nothing new, the history has it.
        #expect((try await bob.recv(["--idle", "0.5"])).messages.isEmpty)
        let history = try await bob.recv(["--history"])
        #expect(history.lines.map { $0["text"] as? String } == ["hi"])
    }

    @Test func aThousandLinesArriveInOrder() async throws {
        let (relay, alice, bob) = try await Self.friends()
        defer { Task { await relay.stop() } }
        let lines = (0..<1000).map { "line \($0)" }
        // The relay's default rate (100 MSG/s, bursts of 200) slows cn-send down; it resends
        // what the relay refused, in order, and drops nothing.
        let sent = try await alice.send(["--to", "bob@example.com"], stdin: lines.joined(separator: "\n") + "\n", timeout: 120)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.lines.count == 1000)
        #expect(sent.lines.allSatisfy { ["stored", "delivered"].contains($0["status"] as? String) })
        let received = try await bob.recv(["--idle", "2"], timeout: 120)
        let texts = received.messages.compactMap { $0["text"] as? String }
        #expect(texts.count == 1000 && Set(texts) == Set(lines), "each line once")
        // The history is in input order (the author's timestamps rise strictly); so is the
        // live stream, but for the few messages of a burst the relay refused and took again.
        let history = try await bob.recv(["--history"], timeout: 120)
        #expect(history.lines.compactMap { $0["text"] as? String } == lines)

        // Without the relay's rate limit nothing is refused: the live stream keeps the order too.
        let fast = try await LocalRelay.start(["--msg-rate", "0"])
        defer { Task { await fast.stop() } }
        let carol = try await Device.enroll("carol@example.com", on: fast)
        let dave = try await Device.enroll("dave@example.com", on: fast)
        try await carol.befriend(dave)
        #expect(try await carol.send(["--to", "dave@example.com"], stdin: lines.joined(separator: "\n") + "\n", timeout: 120).status == 0)
        #expect(try await dave.recv(["--idle", "2"], timeout: 120).messages.map { $0["text"] as? String } == lines)
    }

    @Test func aBadJSONLineIsReportedAndTheOthersStillGo() async throws {
        let (relay, alice, bob) = try await Self.friends()
        defer { Task { await relay.stop() } }
        let input = [#"{"to":"bob@example.com","text":"first"}"#, #"{"to":"bob@example.com","text":"#,
                     #"{"to":"not an address","text":"x"}"#, #"{"to":"carol@example.com","text":"not a friend"}"#,
                     #"{"to":"bob@example.com","text":"last"}"#].joined(separator: "\n") + "\n"
        let sent = try await alice.send(["--json"], stdin: input)
        #expect(sent.status == 65, "\(sent)")
        let errors = sent.lines.compactMap { line -> (Int, Int)? in
            guard let error = line["error"] as? [String: Any], let code = error["code"] as? Int, let number = line["line"] as? Int else { return nil }
            return (number, code)
        }
        #expect(errors.map(\.0) == [2, 3, 4])
        #expect(errors.map(\.1) == [65, 65, 77])
        #expect((try await bob.recv()).messages.map { $0["text"] as? String } == ["first", "last"])
    }

    @Test func editDeleteReactionReplyAndReceiptsReachThePeer() async throws {
        let (relay, alice, bob) = try await Self.friends()
        defer { Task { await relay.stop() } }
        let first = try await alice.send(["--to", "bob@example.com", "first", "message"])
        let second = try await alice.send(["--to", "bob@example.com", "second"])
        let firstID = try #require(first.lines.first?["id"] as? String)
        let secondID = try #require(second.lines.first?["id"] as? String)
        let got = try await bob.recv(["--idle", "1", "--mark-read"])
        #expect((got).messages.map { $0["text"] as? String } == ["first message", "second"])

        let actions = [#"{"to":"bob@example.com","edit":"\#(firstID)","text":"first, edited"}"#,
                       #"{"to":"bob@example.com","delete":"\#(secondID)"}"#].joined(separator: "\n") + "\n"
        let acted = try await alice.send(["--json"], stdin: actions)
        #expect(acted.status == 0, "\(acted)")
        #expect(acted.lines.map { $0["op"] as? String } == ["edit", "delete"])

        let reply = [#"{"to":"alice@example.com","replyTo":"\#(firstID)","text":"a reply"}"#,
                     #"{"to":"alice@example.com","react":"\#(firstID)","emoji":"👍"}"#].joined(separator: "\n") + "\n"
        let replied = try await bob.send(["--json"], stdin: reply)
        #expect(replied.status == 0, "\(replied)")

        let bobSees = try await bob.recv()
        #expect(bobSees.lines.contains { $0["type"] as? String == "edit" && $0["id"] as? String == firstID && $0["text"] as? String == "first, edited" })
        #expect(bobSees.lines.contains { $0["type"] as? String == "delete" && $0["id"] as? String == secondID })

        let aliceSees = try await alice.recv()
        let replyEvent = try #require((aliceSees).messages.first, "\(aliceSees)")
        #expect(replyEvent["replyTo"] as? String == firstID)
        #expect(replyEvent["text"] as? String == "a reply")
        #expect(aliceSees.lines.contains { $0["type"] as? String == "reaction" && $0["emoji"] as? String == "👍" && $0["id"] as? String == firstID })
        let read = aliceSees.lines.first { $0["type"] as? String == "receipt" && $0["kind"] as? String == "read" }
        #expect(Set(read?["ids"] as? [String] ?? []) == [firstID, secondID], "\(aliceSees)")

        // Both histories agree: the edit applied, the deleted message without text.
        let history = try await bob.recv(["--history", "--with", "alice@example.com"])
        let byID = Dictionary(uniqueKeysWithValues: history.lines.map { ($0["id"] as! String, $0) })
        #expect(byID[firstID]?["text"] as? String == "first, edited")
        #expect(byID[secondID]?["text"] == nil && byID[secondID]?["deleted"] != nil)
        let aliceHistory = try await alice.recv(["--history"])
        #expect(aliceHistory.lines.first { $0["id"] as? String == firstID }?["status"] as? String == "read")
    }

    @Test func aFiftyThousandCharacterTextArrivesWhole() async throws {
        let (relay, alice, bob) = try await Self.friends()
        defer { Task { await relay.stop() } }
        let text = (0..<50_000).map { i in String(UnicodeScalar(UInt8(97 + i % 26))) }.joined()
        let sent = try await alice.send(["--to", "bob@example.com"], stdin: text + "\n")
        #expect(sent.status == 0, "\(sent)")
        let message = try #require((try await bob.recv()).messages.first)
        #expect((message["text"] as? String) == text)
    }

    @Test func relayDownQueuesThenTheAgentDelivers() async throws {
        let (first, alice, bob) = try await Self.friends()
        await first.stop()
        let queued = try await alice.send(["--to", "bob@example.com", "while the relay is down"])
        #expect(queued.status == 75, "\(queued)")
        #expect(queued.lines.first?["status"] as? String == "queued")
        #expect(queued.lines.first?["pending"] as? [String] == [try await bob.deviceKey()])

        let relay = try await first.restarted()
        defer { Task { await relay.stop() } }
        // alice's agent flushes the outbox once it reaches the relay.
        let agent = try alice.start("cn-recv", ["--follow"])
        try await agent.waitFor("the agent delivers the queued message") { $0.stdout.contains(#""type":"delivered""#) }
        agent.process.terminate()
        _ = try await agent.finish()
        let received = try await bob.recv()
        #expect((received).messages.map { $0["text"] as? String } == ["while the relay is down"])
    }

    @Test func mailboxOffQueuesUntilThePeerComesOnline() async throws {
        let (relay, alice, bob) = try await Self.friends(["--mailbox", "off"])
        defer { Task { await relay.stop() } }
        let queued = try await alice.send(["--to", "bob@example.com", "--wait", "2", "for later"])
        #expect(queued.status == 75, "\(queued)")
        #expect(queued.lines.first?["status"] as? String == "queued")

        let agent = try alice.start("cn-recv", ["--follow"])
        try await agent.waitFor("the agent is connected") { _ in true }
        try await Task.sleep(for: .milliseconds(500))
        // bob comes online: the agent sees PEER_ONLINE and resends to exactly that device.
        let received = try await bob.recv(["--idle", "2"])
        agent.process.terminate()
        _ = try await agent.finish()
        #expect((received).messages.map { $0["text"] as? String } == ["for later"], "\(received)")
    }

    @Test func badInputLinesGetErrorsAndTheRestStillGoes() async throws {
        let (relay, alice, bob) = try await Self.friends()
        defer { Task { await relay.stop() } }
        // A 100 MB line, a line that is not UTF-8, then a good one.
        let script = "head -c 100000000 /dev/zero | tr '\\0' a; echo; printf 'caf\\351\\n'; echo fine"
        let outcome = try await run("/bin/sh", ["-c", "(\(script)) | '\(Binaries.path("cn-send"))' --to bob@example.com"],
                                    environment: alice.environment, timeout: 120, absolute: true)
        #expect(outcome.status == 65, "\(outcome.stderr)")
        let errors = outcome.lines.compactMap { $0["error"] as? [String: Any] }.map { $0["message"] as? String ?? "" }
        #expect(errors.count == 2)
        #expect(errors.first?.contains("longer than") == true)
        #expect(errors.last?.contains("UTF-8") == true)
        #expect((try await bob.recv()).messages.map { $0["text"] as? String } == ["fine"])
    }

    @Test func notFriendsIsRefusedWith77() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        _ = try await Device.enroll("bob@example.com", on: relay)
        let refused = try await alice.send(["--to", "bob@example.com", "hello?"])
        #expect(refused.status == 77, "\(refused)")
        let usage = try await alice.send(["hello?"])
        #expect(usage.status == 64, "\(usage)")
    }
}
