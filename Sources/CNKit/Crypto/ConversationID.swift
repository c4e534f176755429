import Crypto

/// Conversation ids (PROTOCOL §4).
public enum ConversationID {
    /// `hex(SHA-256(e1 + ":" + e2))` with `e1 ≤ e2`; equal addresses give the self conversation.
    public static func between(_ a: EmailAddress, _ b: EmailAddress) -> String {
        let (e1, e2) = a < b ? (a, b) : (b, a)
        return Hex.encode(SHA256.hash(data: Array((e1.value + ":" + e2.value).utf8)))
    }
}
