/// The size limits of PROTOCOL §1 and the other fixed figures of the protocol.
public enum ProtocolLimits {
    /// The largest WebSocket message (one frame) in bytes; larger closes the socket with 1009.
    public static let maxFrameBytes = 1_048_576
    /// The largest total length, in characters, of the payloads of one MSG or RTC frame.
    public static let maxMessagePayloadCharacters = 409_600
    /// The longest conversation id.
    public static let maxSidLength = 128
    /// The longest e-mail address (RFC 5321's path limit).
    public static let maxEmailLength = 254
    /// The longest client frame id echoed back on replies.
    public static let maxFrameIDLength = 128
    /// Bad frames tolerated per minute before the relay closes with 1008.
    public static let maxBadFramesPerMinute = 20
    /// Seconds between the relay's heartbeat PINGs.
    public static let heartbeatInterval: Int64 = 10
    /// Seconds of silence after which the relay closes a socket.
    public static let relaySilenceTimeout: Int64 = 90
    /// Seconds of silence after which a client reconnects.
    public static let clientSilenceTimeout: Int64 = 30
    /// Device keys active within this many days are listed as an account's devices.
    public static let activeDeviceDays: Int64 = 30
    /// Lifetime of a session token in days.
    public static let sessionTokenDays: Int64 = 30
    /// Pending requests and offline notifications are kept this many days.
    public static let pendingRetentionDays: Int64 = 30
    /// The largest decompressed inner packet a client accepts.
    public static let maxInflatedPacketBytes = 2 * 1_048_576
}
