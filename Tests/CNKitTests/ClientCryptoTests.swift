import Foundation
import Testing
import Crypto
import CryptoExtras
import CNCrypto

/// The client half of CNCrypto against public vectors (BIP39, Wycheproof, safety numbers).
struct ClientCryptoTests {
    // MARK: BIP39

    struct BIP39File: Decodable { var english: [[String]] }

    @Test func bip39VectorsPass() throws {
        let vectors = try Vectors.load(BIP39File.self, "bip39/vectors.json").english
        #expect(vectors.count >= 12)
        for vector in vectors {
            let (entropy, phrase, seed) = (try #require(Hex.decode(vector[0])), vector[1], vector[2])
            let fromEntropy = try Mnemonic(entropy: entropy)
            #expect(fromEntropy.phrase == phrase)
            let parsed = try Mnemonic(phrase: phrase)
            #expect(parsed == fromEntropy)
            #expect(Hex.encode(try parsed.seed(passphrase: "TREZOR")) == seed)
        }
    }

    @Test func generatedMnemonicsHaveTwelveValidWords() throws {
        let a = try Mnemonic.generate(), b = try Mnemonic.generate()
        #expect(a.words.count == 12)
        #expect(a != b)
        #expect(try Mnemonic(phrase: "  " + a.phrase.uppercased().replacingOccurrences(of: " ", with: "\n\t ") + " ") == a)
    }

    @Test func badMnemonicsAreRefused() throws {
        let good = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
        #expect(throws: Mnemonic.Problem.badChecksum) { try Mnemonic(phrase: good.replacingOccurrences(of: "about", with: "abandon")) }
        #expect(throws: Mnemonic.Problem.unknownWord("aboutt")) { try Mnemonic(phrase: good.replacingOccurrences(of: "about", with: "aboutt")) }
        #expect(throws: Mnemonic.Problem.wrongLength(11)) { try Mnemonic(phrase: good.replacingOccurrences(of: " about", with: "")) }
        #expect(throws: Mnemonic.Problem.wrongLength(0)) { try Mnemonic(phrase: "") }
    }

    @Test func mnemonicKeysArePerPurpose() throws {
        let m = try Mnemonic(phrase: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
        let db = m.derivedKey(purpose: "account-database-fields-v1"), backup = m.derivedKey(purpose: "backup-v1")
        #expect(db != backup)
        // python3: HKDF(SHA256, 32, salt=b'cryptnode-mnemonic-v1', info=b'account-database-fields-v1').derive(phrase)
        #expect(db.withUnsafeBytes { Hex.encode($0) } == Self.expectedDatabaseKey)
    }

    /// Computed with Python's `cryptography` HKDF (see the test above).
    static let expectedDatabaseKey = "a52c68fc1213693453b9651c2f3a251fb9a43a722bdad473d51abf7d8480838c"

    // MARK: Safety numbers

    struct SafetyFile: Decodable {
        struct Side: Decodable { var email: String; var publicKeys: [String] }
        struct Case: Decodable { var a: Side; var b: Side; var safetyNumber: String }
        var cases: [Case]
    }

    @Test func safetyNumberVectorsPass() throws {
        let file = try Vectors.load(SafetyFile.self, "safety/vectors.json")
        #expect(!file.cases.isEmpty)
        for c in file.cases {
            func side(_ s: SafetyFile.Side) throws -> (email: EmailAddress, keys: [DevicePublicKey]) {
                (try #require(EmailAddress(s.email)), try s.publicKeys.map { try #require(DevicePublicKey(base64: $0)) })
            }
            let a = try side(c.a), b = try side(c.b)
            #expect(SafetyNumber.between(a, b) == c.safetyNumber)
            #expect(SafetyNumber.between(b, a) == c.safetyNumber, "the same on both sides")
            // Key order does not matter.
            #expect(SafetyNumber.between((a.email, a.keys.reversed()), b) == c.safetyNumber)
        }
    }

    @Test func safetyNumbersChangeWithDevices() throws {
        let alice = try #require(EmailAddress("alice@example.com")), bob = try #require(EmailAddress("bob@example.com"))
        let k1 = IdentityKey().publicKey, k2 = IdentityKey().publicKey, k3 = IdentityKey().publicKey
        let before = SafetyNumber.between((alice, [k1]), (bob, [k2]))
        #expect(before != SafetyNumber.between((alice, [k1]), (bob, [k2, k3])))
        #expect(before != SafetyNumber.between((alice, [k1]), (bob, [k3])))
        #expect(SafetyNumber.normalized(before) == before.replacingOccurrences(of: " ", with: ""))
        #expect(SafetyNumber.normalized("12345-67890 ١٢") == "1234567890")
    }

    // MARK: Wycheproof

    struct ECDHCase: Decodable {
        var tcId: Int
        var comment: String
        var `public`: String
        var `private`: String
        var shared: String
        var result: String
    }

    /// Every valid uncompressed peer point gives the vector's shared secret through the
    /// pairwise key (PROTOCOL §6.2); every invalid point is refused before any ECDH.
    @Test func pairwiseKeysFollowWycheproofECDH() throws {
        let suite = try Vectors.load(Wycheproof<ECDHCase>.self, "wycheproof/ecdh_secp256r1_ecpoint_test.json")
        var computed = 0, refused = 0
        for test in suite.cases {
            let raw = try #require(Hex.decode(test.public))
            guard let peer = DevicePublicKey(base64: Data(raw).base64EncodedString()) else {
                #expect(test.result == "invalid" || raw.count != 65, "tcId \(test.tcId) refused but \(test.result)")
                refused += 1
                continue
            }
            #expect(test.result != "invalid", "tcId \(test.tcId) \(test.comment) accepted")
            var scalar = try #require(Hex.decode(test.private))
            while scalar.count > 32, scalar.first == 0 { scalar.removeFirst() }
            scalar = [UInt8](repeating: 0, count: 32 - scalar.count) + scalar
            let key = try IdentityKey(rawRepresentation: scalar).pairwiseKey(with: peer)
            #expect(key.withUnsafeBytes { Hex.encode($0) } == test.shared, "tcId \(test.tcId)")
            computed += 1
        }
        #expect(computed > 200 && refused >= 24 && computed + refused == suite.numberOfTests)
    }

    struct HKDFCase: Decodable {
        var tcId: Int
        var ikm: String, salt: String, info: String
        var size: Int
        var okm: String
        var result: String
    }

    @Test func hkdfFollowsWycheproof() throws {
        let suite = try Vectors.load(Wycheproof<HKDFCase>.self, "wycheproof/hkdf_sha256_test.json")
        for test in suite.cases {
            // RFC 5869: at most 255 blocks of output; larger requests are the invalid cases.
            guard test.size <= 255 * 32 else {
                #expect(test.result == "invalid", "tcId \(test.tcId)")
                continue
            }
            let okm = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: try #require(Hex.decode(test.ikm))),
                                             salt: try #require(Hex.decode(test.salt)), info: try #require(Hex.decode(test.info)),
                                             outputByteCount: test.size)
            #expect(okm.withUnsafeBytes { Hex.encode($0) } == test.okm, "tcId \(test.tcId)")
            #expect(test.result == "valid")
        }
        #expect(suite.cases.count == suite.numberOfTests)
    }

    struct MACCase: Decodable {
        var tcId: Int
        var key: String, msg: String, tag: String
        var result: String
    }

    @Test func hmacFollowsWycheproof() throws {
        let suite = try Vectors.load(Wycheproof<MACCase>.self, "wycheproof/hmac_sha256_test.json")
        var valid = 0, invalid = 0
        for test in suite.cases {
            let tag = try #require(Hex.decode(test.tag))
            let mac = Array(HMAC<SHA256>.authenticationCode(for: try #require(Hex.decode(test.msg)),
                                                            using: SymmetricKey(data: try #require(Hex.decode(test.key)))))
            let matches = !tag.isEmpty && mac.prefix(tag.count).elementsEqual(tag)
            #expect(matches == (test.result == "valid"), "tcId \(test.tcId)")
            if matches { valid += 1 } else { invalid += 1 }
        }
        #expect(valid > 0 && invalid > 0)
    }

    struct PBKDF2Case: Decodable {
        var tcId: Int
        var password: String, salt: String
        var iterationCount: Int
        var dkLen: Int
        var dk: String
        var result: String
    }

    @Test func pbkdf2FollowsWycheproof() throws {
        let suite = try Vectors.load(Wycheproof<PBKDF2Case>.self, "wycheproof/pbkdf2_hmacsha256_test.json")
        var checked = 0
        for test in suite.cases where test.result == "valid" && test.iterationCount <= 1 << 16 {
            let key = try KDF.Insecure.PBKDF2.deriveKey(from: try #require(Hex.decode(test.password)), salt: try #require(Hex.decode(test.salt)),
                                                        using: .sha256, outputByteCount: test.dkLen, unsafeUncheckedRounds: test.iterationCount)
            #expect(key.withUnsafeBytes { Hex.encode($0) } == test.dk, "tcId \(test.tcId)")
            checked += 1
        }
        #expect(checked >= 40)
    }

    // MARK: Friend packets and sealed secrets

    @Test func friendPacketsOpenOnlyForTheirPeer() throws {
        let alice = IdentityKey(), bob = IdentityKey(), mallory = IdentityKey()
        let packet = FriendPacket(email: "alice@example.com", name: "Alice", nameVersion: 2, timestamp: 1_700_000_000_000)
        let sealed = try packet.sealed(with: try alice.pairwiseKey(with: bob.publicKey))
        #expect(try FriendPacket.open(sealed, with: try bob.pairwiseKey(with: alice.publicKey)) == packet)
        #expect(throws: FriendPacket.OpenError.authenticationFailed) { try FriendPacket.open(sealed, with: try bob.pairwiseKey(with: mallory.publicKey)) }
        // One flipped bit anywhere in the ciphertext fails authentication.
        var parts = sealed.split(separator: ".").map(String.init)
        var body = try #require(Data(base64Encoded: parts[1]))
        body[body.startIndex] ^= 1
        parts[1] = body.base64EncodedString()
        #expect(throws: FriendPacket.OpenError.authenticationFailed) { try FriendPacket.open(parts.joined(separator: "."), with: try bob.pairwiseKey(with: alice.publicKey)) }
        for malformed in ["", ".", "abc", "AAAA.AAAA", sealed + ".x", String(sealed.reversed())] {
            #expect(throws: (any Error).self) { try FriendPacket.open(malformed, with: try bob.pairwiseKey(with: alice.publicKey)) }
        }
        #expect(throws: FriendPacket.OpenError.tooLarge) {
            try FriendPacket.open(String(repeating: "A", count: FriendPacket.maximumSealedCharacters + 1), with: SymmetricKey(size: .bits256))
        }
    }

    @Test func sealedValuesAreBoundToKeyAndContext() throws {
        let parameters = ScryptParameters.fresh()
        #expect(parameters.isReasonable)
        let key = try parameters.key(for: "correct horse")
        let sealed = try Sealed.seal(Array("secret".utf8), key: key, context: "mnemonic")
        #expect(try Sealed.open(sealed, key: try parameters.key(for: "correct horse"), context: "mnemonic") == Array("secret".utf8))
        #expect(throws: SealError.wrongKey) { try Sealed.open(sealed, key: try parameters.key(for: "wrong horse"), context: "mnemonic") }
        #expect(throws: SealError.wrongKey) { try Sealed.open(sealed, key: key, context: "identity.key") }
        #expect(throws: SealError.malformed) { try Sealed.open([1, 2, 3], key: key, context: "mnemonic") }
        var hostile = parameters
        hostile.n = 1 << 30
        #expect(!hostile.isReasonable)
        #expect(throws: SealError.badParameters) { try hostile.key(for: "x") }
    }
}
