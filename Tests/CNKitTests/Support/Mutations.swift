/// A small deterministic generator, so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Deterministic mutations of a corpus, as the scanner tests use them: each input
/// truncated, with a byte replaced, or with a byte inserted (bytes from `alphabet`),
/// `perInput` times.
func mutations(of corpus: [String], seed: UInt64, alphabet: [UInt8], perInput: Int = 300) -> [[UInt8]] {
    var rng = SplitMix(seed: seed)
    var out: [[UInt8]] = []
    for input in corpus {
        let base = Array(input.utf8)
        for _ in 0..<perInput {
            var bytes = base
            switch rng.next() % 3 {
            case 0: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            case 1 where !bytes.isEmpty: bytes[Int(rng.next() % UInt64(bytes.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: Int(rng.next() % UInt64(bytes.count + 1)))
            }
            out.append(bytes)
        }
    }
    return out
}
