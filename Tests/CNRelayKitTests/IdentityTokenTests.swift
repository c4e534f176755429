import Foundation
import Testing
import Crypto
import CryptoExtras
import JWTKit
import Logging
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// AUTH with OpenID Connect ID tokens verified locally against a JWK set the test serves
/// over HTTP from a key it generates (PROTOCOL §3).
@Suite(.serialized)
struct IdentityTokenTests {
    static let issuer = "https://issuer.test"
    static let audience = "cn-client"

    /// An identity provider: a signing key and its public JWK set.
    struct Provider {
        let signer = JWTKeyCollection()
        let jwks: String

        init(kid: String) async throws {
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            await signer.add(rsa: try Insecure.RSA.PrivateKey(backing: key), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            let primitives = try key.publicKey.getKeyPrimitives()
            func b64url(_ d: Data) -> String {
                d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            }
            jwks = #"{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"\#(kid)","n":"\#(b64url(primitives.modulus))","e":"\#(b64url(primitives.publicExponent))"}]}"#
        }

        func token(email: String = "oidc@example.com", iss: String = IdentityTokenTests.issuer, aud: String = IdentityTokenTests.audience,
                   expires: Date = Date().addingTimeInterval(600), verified: Bool = true, kid: String = "k1") async throws -> String {
            try await signer.sign(IDTokenClaims(
                iss: IssuerClaim(value: iss), aud: AudienceClaim(value: [aud]), exp: ExpirationClaim(value: expires),
                nbf: nil, iat: IssuedAtClaim(value: Date()), email: email, email_verified: BoolClaim(value: verified)), kid: JWKIdentifier(string: kid))
        }
    }

    func attempt(_ relay: TestRelay, _ token: String) async throws -> RelayFrame {
        let c = try await TestClient.connect(port: relay.port)
        defer { Task { await c.close() } }
        try await c.send(.auth(AuthRequest(token: token, publicKey: c.publicKey)))
        return try await c.next()
    }

    @Test func idTokensAreVerifiedAgainstAServedJWKSet() async throws {
        let provider = try await Provider(kid: "k1")
        let impostor = try await Provider(kid: "k1")
        let jwksServer = try await StaticHTTPServer(body: provider.jwks, headers: [("Cache-Control", "public, max-age=3600")])
        defer { Task { await jwksServer.stop() } }
        let relay = try await TestRelay.start {
            $0.identityProviders = [IdentityProvider(issuers: [Self.issuer], audiences: [Self.audience],
                                                     keys: .url("http://127.0.0.1:\(jwksServer.port)/jwks"))]
        }
        defer { Task { await relay.stop() } }

        guard case .authSuccess(let ok) = try await attempt(relay, try await provider.token(email: "Oidc@Example.com")) else {
            throw TestFailure("a good ID token was refused")
        }
        #expect(ok.email == "oidc@example.com")
        // The fresh token is a session token of this relay.
        #expect(try relay.tokens.verify(ok.token).value == "oidc@example.com")

        let refused: [String] = [
            try await impostor.token(),  // bad signature (same kid, other key)
            try await provider.token(aud: "someone-else"),
            try await provider.token(iss: "https://evil.test"),
            try await provider.token(expires: Date().addingTimeInterval(-120)),
            try await provider.token(verified: false),
        ]
        for token in refused {
            #expect(try await attempt(relay, token) == .error(.authFailed))
        }
        // The key set was fetched once and cached per Cache-Control.
        #expect(jwksServer.requests == 1)
    }

    @Test func aRotatedKeySetIsFetchedAgainAtMostOncePerInterval() async throws {
        let old = try await Provider(kid: "k1")
        let new = try await Provider(kid: "k2")
        let jwksServer = try await StaticHTTPServer(body: old.jwks, headers: [("Cache-Control", "public, max-age=3600")])
        defer { Task { await jwksServer.stop() } }
        let provider = IdentityProvider(issuers: [Self.issuer], audiences: [Self.audience], keys: .url("http://127.0.0.1:\(jwksServer.port)/jwks"))

        // The provider rotates while the set is cached: a token with the new key id fetches again.
        let keys = try ProviderKeys(provider: provider, logger: Logger(label: "test"), refetchInterval: 0)
        #expect(try await keys.verify(try await old.token(kid: "k1")).email == "oidc@example.com")
        jwksServer.body = new.jwks
        #expect(try await keys.verify(try await new.token(kid: "k2")).email == "oidc@example.com")
        #expect(jwksServer.requests == 2)

        // Within the interval an unknown key id is refused without a fetch (no fetch storm).
        let patient = try ProviderKeys(provider: provider, logger: Logger(label: "test"), refetchInterval: 3_600)
        #expect(try await patient.verify(try await new.token(kid: "k2")).email == "oidc@example.com")
        jwksServer.body = old.jwks
        await #expect(throws: (any Error).self) { try await patient.verify(try await old.token(kid: "k1")) }
        #expect(jwksServer.requests == 3)
    }

    @Test func aJWKSetFileWorksAndABadOneStopsStartUp() async throws {
        let provider = try await Provider(kid: "k1")
        let dir = TestRelay.temporaryDirectory()
        try provider.jwks.write(toFile: dir + "/jwks.json", atomically: true, encoding: .utf8)
        let relay = try await TestRelay.start {
            $0.identityProviders = [IdentityProvider(issuers: [Self.issuer], audiences: [Self.audience], keys: .file(dir + "/jwks.json"))]
        }
        defer { Task { await relay.stop() } }
        guard case .authSuccess = try await attempt(relay, try await provider.token()) else { throw TestFailure("refused") }

        try "not a key set".write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        await #expect(throws: RelayStartupError.self) {
            _ = try await TestRelay.start {
                $0.identityProviders = [IdentityProvider(issuers: [Self.issuer], audiences: [Self.audience], keys: .file(dir + "/bad.json"))]
            }
        }
    }

    @Test func withoutAProviderIDTokensFail() async throws {
        let provider = try await Provider(kid: "k1")
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        #expect(try await attempt(relay, try await provider.token()) == .error(.authFailed))
    }
}
