import Foundation
import Testing
import Crypto
import CNCrypto

/// The relay's part of CNCrypto. Expected values were computed independently with
/// Python's hashlib/hmac (see the comments), not with this code.
struct CryptoTests {
    @Test func emailsAreNormalizedAndHashed() throws {
        let e = try #require(EmailAddress("  Alice@Example.COM \n"))
        #expect(e.value == "alice@example.com")
        // python3: hashlib.sha256(b'alice@example.com').hexdigest()[:16]
        #expect(e.hash.hasPrefix("ff8d9819fc0e12bf"))
    }

    @Test(arguments: ["", "plain", "@example.com", "a@", "a@@b.c", "a b@c.d", "a@b..c", "a@.b", String(repeating: "x", count: 250) + "@b.cd"])
    func malformedEmailsAreRefused(_ raw: String) {
        #expect(EmailAddress(raw) == nil)
    }

    @Test func conversationIDsAreOrderIndependent() throws {
        let a = try #require(EmailAddress("alice@example.com")), b = try #require(EmailAddress("bob@example.com"))
        // python3: hashlib.sha256(b'alice@example.com:bob@example.com').hexdigest()
        let expected = "fa594ed53e168a630555f0657eb3532ac487906e0becd43c78c3b80d81cdaf42"
        #expect(ConversationID.between(a, b) == expected)
        #expect(ConversationID.between(b, a) == expected)
    }

    static let secret = Array("0123456789abcdef0123456789abcdef".utf8)

    @Test func sessionTokensMatchAnIndependentMAC() throws {
        let authority = SessionTokenAuthority(secret: Self.secret)
        let email = try #require(EmailAddress("alice@example.com"))
        // python3: k=sha256(secret); body='sess:2000000000:alice@example.com'; hmac(k, body, sha256)
        let expected = "sess:2000000000:alice@example.com:169362f92cc68ddb76aac981a750fcc98949108a815ea0848a9d760b40a0717c"
        #expect(authority.mint(email: email, expires: Date(timeIntervalSince1970: 2_000_000_000)) == expected)
        #expect(try authority.verify(expected, now: Date(timeIntervalSince1970: 1_900_000_000)) == email)
    }

    @Test func forgedExpiredAndSwappedTokensAreRefused() throws {
        let authority = SessionTokenAuthority(secret: Self.secret)
        let email = try #require(EmailAddress("alice@example.com"))
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        let good = authority.mint(email: email, expires: Date(timeIntervalSince1970: 2_000_000_000))
        let other = SessionTokenAuthority(secret: Array(repeating: 7, count: 32)).mint(email: email, expires: Date(timeIntervalSince1970: 2_000_000_000))
        #expect(throws: SessionTokenAuthority.Rejection.badSignature) { try authority.verify(other, now: now) }
        #expect(throws: SessionTokenAuthority.Rejection.badSignature) {
            try authority.verify(good.replacingOccurrences(of: "alice@", with: "mallory@"), now: now)
        }
        #expect(throws: SessionTokenAuthority.Rejection.badSignature) {
            try authority.verify(good.replacingOccurrences(of: "2000000000", with: "2000000001"), now: now)
        }
        #expect(throws: SessionTokenAuthority.Rejection.expired) { try authority.verify(good, now: Date(timeIntervalSince1970: 2_000_000_001)) }
        for bad in ["", "sess:", "sess:x:alice@example.com:00", "sess:1:alice@example.com:zz", "jwt.a.b", "sess:1::" + String(repeating: "0", count: 64)] {
            #expect(throws: SessionTokenAuthority.Rejection.malformed) { try authority.verify(bad, now: now) }
        }
    }

    @Test func turnCredentialsFollowCoturn() throws {
        let email = try #require(EmailAddress("alice@example.com"))
        let minted = TurnCredentialMinter.mint(secret: "turn-secret", email: email, ttl: 600, now: Date(timeIntervalSince1970: 1_700_000_000))
        // python3: u='1700000600:'+sha256(email)[:16]; b64(hmac(b'turn-secret', u, sha1))
        #expect(minted.username == "1700000600:ff8d9819fc0e12bf")
        #expect(minted.credential == "qNhUpKtlFQ+/dymxjlfkhQY0yBk=")
    }

    @Test func keyedTagsDependOnSecretAndPurpose() {
        let a = KeyedTag(secret: Self.secret, purpose: "ip").tag("127.0.0.1")
        #expect(a.count == 16)
        #expect(a == KeyedTag(secret: Self.secret, purpose: "ip").tag("127.0.0.1"))
        #expect(a != KeyedTag(secret: Self.secret, purpose: "account").tag("127.0.0.1"))
        #expect(a != KeyedTag(secret: Array(repeating: 1, count: 32), purpose: "ip").tag("127.0.0.1"))
    }

    /// Wycheproof's public points: every uncompressed valid point is accepted as a device
    /// key, every invalid one (off the curve, wrong encoding) refused.
    @Test func deviceKeysFollowWycheproofPoints() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/testdata/wycheproof/ecdh_secp256r1_ecpoint_test.json")
        let suite = try JSONDecoder().decode(WycheproofECDH.self, from: Data(contentsOf: url))
        var accepted = 0, refused = 0
        for test in suite.testGroups.flatMap(\.tests) {
            let raw = try #require(Hex.decode(test.public))
            let key = DevicePublicKey(base64: Data(raw).base64EncodedString())
            let uncompressed = raw.count == 65 && raw.first == 0x04
            if test.result == "invalid" || !uncompressed {
                #expect(key == nil, "tcId \(test.tcId) \(test.comment)")
                refused += 1
            } else {
                #expect(key != nil, "tcId \(test.tcId) \(test.comment)")
                accepted += 1
            }
        }
        #expect(accepted > 300 && refused >= 24)
    }

    @Test func deviceKeysMustBeCanonicalBase64() {
        let key = DevicePublicKey(P256.KeyAgreement.PrivateKey().publicKey)
        #expect(DevicePublicKey(base64: key.base64) == key)
        #expect(DevicePublicKey(base64: key.base64 + "\n") == nil)
        #expect(DevicePublicKey(base64: String(key.base64.dropLast())) == nil)
        #expect(DevicePublicKey(base64: "") == nil)
    }
}

struct WycheproofECDH: Decodable {
    struct Group: Decodable { var tests: [Case] }
    struct Case: Decodable {
        var tcId: Int
        var comment: String
        var `public`: String
        var result: String
    }
    var testGroups: [Group]
}
