import Foundation
import AsyncHTTPClient
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import CNCrypto
import CNProtocol

/// Verifies OpenID Connect ID tokens locally (PROTOCOL §3): RS256 signature against the
/// issuer's JWK set, `iss`, `aud`, `exp`/`nbf`/`iat` with 60 s of skew, and
/// `email_verified == true`. The original relay asked Google's tokeninfo endpoint on
/// every login; this asks nobody but the JWK set's URL, at most as often as it expires.
public final class IdentityTokenVerifier: Sendable {
    /// Why an ID token was refused (logged; the client only hears `auth_failed`).
    public struct Failure: Error, Sendable {
        public var reason: String
    }

    private let providers: [ProviderKeys]
    static let skew: TimeInterval = 60

    /// Loads file-based key sets now (so a bad file stops start-up); URL-based ones are
    /// fetched on first use.
    public init(providers: [IdentityProvider], logger: Logger) throws {
        self.providers = try providers.map { try ProviderKeys(provider: $0, logger: logger) }
    }

    /// Verifies `token`; the normalized e-mail on success.
    public func verify(_ token: String) async -> Result<EmailAddress, Failure> {
        guard token.utf8.count <= 16_384 else { return .failure(Failure(reason: "token too long")) }
        // Read the issuer first (unverified) only to pick the provider's keys.
        // Only RS256 (PROTOCOL §3), whatever the key set would allow.
        guard Self.unverifiedPart(token, 0, as: HeaderAlgorithm.self)?.alg == "RS256" else {
            return .failure(Failure(reason: "alg is not RS256"))
        }
        guard let issuer = Self.unverifiedPart(token, 1, as: IssuerOnly.self)?.iss,
              let provider = providers.first(where: { $0.provider.issuers.contains(issuer) }) else {
            return .failure(Failure(reason: "unknown issuer"))
        }
        let claims: IDTokenClaims
        do {
            claims = try await provider.verify(token)
        } catch {
            return .failure(Failure(reason: "signature: \(error)"))
        }
        let now = Date()
        guard provider.provider.issuers.contains(claims.iss.value) else { return .failure(Failure(reason: "iss")) }
        guard claims.aud.value.contains(where: provider.provider.audiences.contains) else { return .failure(Failure(reason: "aud")) }
        guard claims.exp.value.addingTimeInterval(Self.skew) > now else { return .failure(Failure(reason: "expired")) }
        if let nbf = claims.nbf, nbf.value.addingTimeInterval(-Self.skew) > now { return .failure(Failure(reason: "nbf")) }
        if let iat = claims.iat, iat.value.addingTimeInterval(-Self.skew) > now { return .failure(Failure(reason: "iat")) }
        guard claims.email_verified?.value == true else { return .failure(Failure(reason: "email not verified")) }
        guard let raw = claims.email, let email = EmailAddress(raw) else { return .failure(Failure(reason: "email")) }
        return .success(email)
    }

    private struct IssuerOnly: Decodable { var iss: String? }
    private struct HeaderAlgorithm: Decodable { var alg: String? }

    /// Decodes part `index` (0 header, 1 claims) of a JWT without verifying it: only to
    /// choose the provider and refuse other algorithms before any key is used.
    static func unverifiedPart<T: Decodable>(_ token: String, _ index: Int, as: T.Type) -> T? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var b64 = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), RoutedFrameScanner.isStrictJSON([UInt8](data)) else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }
}

/// The claims the relay reads from an ID token; checked in ``IdentityTokenVerifier``.
struct IDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var email: String?
    // Some issuers write the boolean as a string; BoolClaim reads both.
    var email_verified: BoolClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// One provider's key set, fetched and cached per Cache-Control, or read from a file.
actor ProviderKeys {
    nonisolated let provider: IdentityProvider
    private let logger: Logger
    private var keys: JWTKeyCollection?
    private var expires = Date.distantPast
    private var lastFetch = Date.distantPast
    /// A key id not in the set (the provider rotated its keys) triggers a refetch, at most
    /// this often (60 s; a parameter for tests).
    private let refetchInterval: TimeInterval

    init(provider: IdentityProvider, logger: Logger, refetchInterval: TimeInterval = 60) throws {
        self.provider = provider
        self.logger = logger
        self.refetchInterval = refetchInterval
        if case .file(let path) = provider.keys {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RelayStartupError(.configuration, "cannot read the JWK set file \(path)")
            }
            // Validate now so that a bad file stops start-up instead of every login.
            guard let jwks = try? JSONDecoder().decode(JWKS.self, from: data), !jwks.keys.isEmpty else {
                throw RelayStartupError(.configuration, "the JWK set file \(path) holds no JWK set")
            }
            fileJSON = String(decoding: data, as: UTF8.self)
            _ = jwks
        }
    }

    /// The JWK set read from a file at start.
    private var fileJSON: String?

    func verify(_ token: String) async throws -> IDTokenClaims {
        var collection = try await currentKeys()
        // A key id the cached set lacks: the provider rotated its keys. jwt-kit would verify
        // such a token with the set's first key and fail on the signature, so the key id is
        // looked at first (jwt-kit's parser, unverified) and the set fetched again — at most
        // once per interval, so that made-up key ids cannot make the relay fetch on every
        // login. (Before, the refetch waited for a `unknownKID` error that jwt-kit never
        // throws: rotation waited for the cache to expire.)
        if case .url = provider.keys, let kid = try? DefaultJWTParser().parse(Array(token.utf8), as: IDTokenClaims.self).header.kid,
           !knownKeyIDs.contains(kid), Date().timeIntervalSince(lastFetch) > refetchInterval {
            expires = .distantPast
            collection = try await currentKeys()
        }
        return try await collection.verify(token, as: IDTokenClaims.self)
    }

    /// The key ids of the cached set.
    private var knownKeyIDs: Set<String> = []

    private func currentKeys() async throws -> JWTKeyCollection {
        if let keys, expires > Date() { return keys }
        if let fileJSON {
            let collection = JWTKeyCollection()
            try await collection.add(jwksJSON: fileJSON)
            keys = collection
            expires = .distantFuture
            return collection
        }
        guard case .url(let url) = provider.keys else { throw IdentityTokenVerifier.Failure(reason: "no keys") }
        lastFetch = Date()
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw IdentityTokenVerifier.Failure(reason: "JWK set fetch: HTTP \(response.status.code)") }
        let body = try await response.body.collect(upTo: 1 << 20)
        let jwks = try JSONDecoder().decode(JWKS.self, from: Data(body.readableBytesView))
        let collection = JWTKeyCollection()
        try await collection.add(jwks: jwks)
        knownKeyIDs = Set(jwks.keys.compactMap { $0.keyIdentifier?.string })
        keys = collection
        expires = Date().addingTimeInterval(Self.maxAge(response.headers["Cache-Control"].first) ?? 3_600)
        logger.info("JWK set fetched", metadata: ["url": "\(url)"])
        return collection
    }

    /// `max-age` from a Cache-Control header, in seconds.
    static func maxAge(_ header: String?) -> TimeInterval? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "max-age", let v = TimeInterval(kv[1]) { return v }
        }
        return nil
    }
}
