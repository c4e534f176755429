import Foundation
import Testing
import CNKit

/// `cn-account init --google`: the OAuth device-code flow against a local fake provider
/// whose ID tokens the test relay verifies with the provider's JWK set.
@Suite(.serialized)
struct GoogleLoginTests {
    /// The environment that points `cn-account --google` at the fake provider.
    static func environment(home: String, relay: LocalRelay, provider: FakeOAuthServer) -> [String: String] {
        ["CN_HOME": home, "CN_RELAY": relay.url, "CN_GOOGLE_CLIENT_ID": FakeOAuthServer.clientID,
         "CN_OAUTH_DEVICE_URL": provider.base + "/device/code", "CN_OAUTH_TOKEN_URL": provider.base + "/token"]
    }

    @Test func deviceCodeSignInCreatesTheAccount() async throws {
        let provider = try await FakeOAuthServer(email: "Olivia@Example.com", pendingPolls: 1)
        defer { Task { await provider.stop() } }
        let jwksFile = Binaries.temporaryDirectory("jwks") + "/jwks.json"
        try provider.jwks.write(toFile: jwksFile, atomically: true, encoding: .utf8)
        let relay = try await LocalRelay.start(["--oidc-issuer", FakeOAuthServer.issuer, "--oidc-audience", FakeOAuthServer.clientID,
                                                "--oidc-jwks-file", jwksFile])
        defer { Task { await relay.stop() } }
        let home = Binaries.temporaryDirectory("google")
        let env = Self.environment(home: home, relay: relay, provider: provider)

        let outcome = try await run("cn-account", ["init", "--google"], environment: env, timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.first?["email"] as? String == "olivia@example.com")
        #expect(outcome.stderr.contains(FakeOAuthServer.userCode), "the user is shown the code")
        #expect(provider.tokenRequests.count == 2, "polled once pending, then got the token")
        // The ID token was exchanged for a session token: later commands need no provider.
        await provider.stop()
        let whoami = try await run("cn-account", ["whoami"], environment: env)
        #expect(whoami.status == 0 && whoami.lines.first?["email"] as? String == "olivia@example.com", "\(whoami)")
        let token = try String(contentsOfFile: home + "/user_" + sha256Prefix("olivia@example.com") + "/session.token", encoding: .utf8)
        #expect(token.hasPrefix("sess:"))
    }

    @Test func aMismatchedEmailOrUntrustedProviderIsRefused() async throws {
        let provider = try await FakeOAuthServer(email: "olivia@example.com", pendingPolls: 0)
        defer { Task { await provider.stop() } }
        // This relay trusts no identity provider: the ID token is refused, nothing is kept.
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let home = Binaries.temporaryDirectory("google-refused")
        let env = Self.environment(home: home, relay: relay, provider: provider)
        let refused = try await run("cn-account", ["init", "--google"], environment: env, timeout: 60)
        #expect(refused.status == 77, "\(refused)")
        #expect(try await run("cn-account", ["list"], environment: env).lines.isEmpty)
        let noClient = try await run("cn-account", ["init", "--google"], environment: ["CN_HOME": home, "CN_RELAY": relay.url])
        #expect(noClient.status == 78, "\(noClient)")
        let wrongClient = try await run("cn-account", ["init", "--google", "--client-id", "other"], environment: env, timeout: 60)
        #expect(wrongClient.status == 77, "\(wrongClient)")
    }
}

func sha256Prefix(_ email: String) -> String {
    String(sha256Hex(email).prefix(16))
}

/// The protocol's `emailHash`.
func sha256Hex(_ email: String) -> String {
    EmailAddress(email)!.hash
}
