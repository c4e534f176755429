import Foundation
import Testing

/// `wss://`: the client verifies the relay's certificate (system roots plus `CN_RELAY_CA`).
@Suite(.serialized)
struct TLSTests {
    @Test func wssWorksWithTheRelaysCAAndNotWithout() async throws {
        let dir = Binaries.temporaryDirectory("tls")
        let openssl = try await run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"], environment: ProcessInfo.processInfo.environment, absolute: true)
        #expect(openssl.status == 0, "\(openssl)")
        let relay = try await LocalRelay.start(["--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"])
        defer { Task { await relay.stop() } }
        let url = "wss://localhost:\(relay.port)"
        let home = Binaries.temporaryDirectory("tls-home")

        // An unknown certificate is refused: the relay is "unreachable" (69), nothing is kept.
        let untrusted = try await run("cn-account", ["init", "--email", "tls@example.com", "--relay", url, "--token", try await relay.token("tls@example.com")],
                                      environment: ["CN_HOME": home])
        #expect(untrusted.status == 69 && untrusted.stderr.contains("TLS"), "\(untrusted)")
        #expect(try await run("cn-account", ["list"], environment: ["CN_HOME": home]).lines.isEmpty)

        let env = ["CN_HOME": home, "CN_RELAY_CA": dir + "/cert.pem"]
        let trusted = try await run("cn-account", ["init", "--email", "tls@example.com", "--relay", url, "--token", try await relay.token("tls@example.com")],
                                    environment: env)
        #expect(trusted.status == 0, "\(trusted)")
        #expect(try await run("cn-account", ["whoami"], environment: env).status == 0)
        // The certificate names localhost: the same relay by IP address does not match it.
        let byAddress = try await run("cn-account", ["whoami", "--relay", "wss://127.0.0.1:\(relay.port)"], environment: env)
        #expect(byAddress.status == 69, "\(byAddress)")
        let badCA = try await run("cn-account", ["whoami"], environment: ["CN_HOME": home, "CN_RELAY_CA": dir + "/missing.pem"])
        #expect(badCA.status == 78, "\(badCA)")
    }
}
