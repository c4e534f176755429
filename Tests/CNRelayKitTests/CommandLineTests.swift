import Foundation
import Testing
import NIOWebSocket
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// The `cn-relay` binary driven as an operator would: tokens, exit codes, TLS, signals.
@Suite(.serialized)
struct CommandLineTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../.build/debug/cn-relay").standardizedFileURL.path

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Starts `cn-relay serve` on a free port; returns the process and the port it logged.
    static func serve(_ extra: [String], dataDir: String) throws -> (Process, Int, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir] + extra
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var log = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
            if let line = log.split(separator: "\n").first(where: { $0.contains("\"listening\"") }),
               let range = line.range(of: #""port":"(\d+)""#, options: .regularExpression) {
                let port = Int(line[range].filter(\.isNumber))!
                return (p, port, err)
            }
        }
        p.terminate()
        throw TestFailure("relay did not start: \(log)")
    }

    @Test func tokenCommandMintsWhatTheRelayAccepts() async throws {
        let dir = TestRelay.temporaryDirectory() + "/data"
        let minted = try Self.run(["token", "--email", "Alice@Example.com", "--days", "2", "--data-dir", dir])
        #expect(minted.status == 0)
        let token = minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The secret was created 0600 in a 0700 directory.
        let secretMode = try FileManager.default.attributesOfItem(atPath: dir + "/relay.secret")[.posixPermissions] as! Int
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir)[.posixPermissions] as! Int
        #expect(secretMode == 0o600 && dirMode == 0o700)

        let (relay, port, _) = try Self.serve([], dataDir: dir)
        let c = try await TestClient.connect(port: port)
        #expect(try await c.auth(token).email == "alice@example.com")
        await c.close()
        // SIGTERM: graceful shutdown, exit 0, and the store files are private.
        relay.terminate()
        relay.waitUntilExit()
        #expect(relay.terminationStatus == 0)
        let dbMode = try FileManager.default.attributesOfItem(atPath: dir + "/relay.sqlite")[.posixPermissions] as! Int
        #expect(dbMode == 0o600)
    }

    @Test func sigintAlsoShutsDownCleanlyAndClosesSocketsWith1001() async throws {
        let (relay, port, _) = try Self.serve([], dataDir: TestRelay.temporaryDirectory())
        let c = try await TestClient.connect(port: port)
        kill(relay.processIdentifier, SIGINT)
        #expect(try await c.expectClose() == .goingAway)
        relay.waitUntilExit()
        #expect(relay.terminationStatus == 0)
    }

    @Test func badUsageAndConfigurationExitWithTheirCodes() throws {
        let dir = TestRelay.temporaryDirectory()
        #expect(try Self.run(["token", "--email", "not-an-address", "--data-dir", dir]).status == 64)
        #expect(try Self.run(["token", "--email", "a@b.c", "--days", "0", "--data-dir", dir]).status == 64)
        #expect(try Self.run(["serve", "--mailbox", "maybe", "--data-dir", dir]).status == 64)
        #expect(try Self.run(["serve", "--mailbox-ttl", "soon", "--data-dir", dir]).status == 64)
        #expect(try Self.run(["serve", "--oidc-issuer", "https://x", "--data-dir", dir]).status == 64)
        let missingJWKS = try Self.run(["serve", "--port", "0", "--oidc-issuer", "https://x", "--oidc-audience", "a",
                                        "--oidc-jwks-file", dir + "/missing.json", "--data-dir", dir])
        #expect(missingJWKS.status == 78)
        #expect(missingJWKS.stderr.contains("\"error\":{\"code\":78"))
        #expect(try Self.run(["serve", "--port", "0", "--tls-cert", dir + "/none.pem", "--data-dir", dir]).status == 78)
        // A data directory that cannot be created: 73.
        try "x".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        #expect(try Self.run(["serve", "--port", "0", "--data-dir", dir + "/file/sub"]).status == 73)
    }

    @Test func aBusyPortExitsWith74() throws {
        let dir = TestRelay.temporaryDirectory()
        let (relay, port, _) = try Self.serve([], dataDir: dir)
        defer { relay.terminate(); relay.waitUntilExit() }
        let second = try Self.run(["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", TestRelay.temporaryDirectory()])
        #expect(second.status == 74)
    }

    @Test func tlsServesWSS() async throws {
        let dir = TestRelay.temporaryDirectory()
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                             "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        let data = dir + "/data"
        let (relay, port, _) = try Self.serve(["--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"], dataDir: data)
        defer { relay.terminate(); relay.waitUntilExit() }
        let token = try Self.run(["token", "--email", "tls@example.com", "--data-dir", data]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let c = try await TestClient.connect(port: port, trustedCertificate: dir + "/cert.pem")
        #expect(try await c.auth(token).email == "tls@example.com")
        await c.close()
        // Plain ws:// to a TLS port gets nowhere.
        await #expect(throws: (any Error).self) { _ = try await TestClient.connect(port: port) }
    }
}
