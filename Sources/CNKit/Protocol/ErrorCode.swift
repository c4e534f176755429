/// The `code` of an `ERROR` frame (PROTOCOL §2).
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    case authRequired = "auth_required"
    case authFailed = "auth_failed"
    case authRateLimited = "auth_rate_limited"
    case rateLimited = "rate_limited"
    case tooLarge = "too_large"
    case badFrame = "bad_frame"
    case unknownType = "unknown_type"
    case notFriends = "not_friends"
    case noPendingRequest = "no_pending_request"
    case selfRequest = "self_request"
    case notConfigured = "not_configured"
    case `internal` = "internal"

    /// The message text the relay sends with this code. Keeps the original relay's wording
    /// where it had one, so that the original app shows the same text.
    public var defaultMessage: String {
        switch self {
        case .authRequired: "Auth required"
        case .authFailed: "Auth failed"
        case .authRateLimited: "Too many authentication attempts"
        case .rateLimited: "Rate limit exceeded: Too many messages per second"
        case .tooLarge: "Message payload too large"
        case .badFrame: "Malformed frame"
        case .unknownType: "Unknown frame type"
        case .notFriends: "You cannot send messages to this user because you are not connected."
        case .noPendingRequest: "No pending friend request from this user"
        case .selfRequest: "You cannot send a friend request to yourself"
        case .notConfigured: "Not configured on this relay"
        case .internal: "Internal error"
        }
    }
}
