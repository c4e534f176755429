import Foundation
import Logging
import CNCrypto

/// A swift-log handler writing one JSON object per line to stderr:
/// `{"ts":…,"level":…,"msg":…,<metadata>}`. Callers never put secrets or message
/// contents into metadata; identities appear only as keyed tags.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var fields: [String: String] = [
            "ts": RFC3339.string(from: Date(), milliseconds: true),
            "level": level.rawValue,
            "msg": "\(message)",
            "logger": label,
        ]
        for (k, v) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) { fields[k] = "\(v)" }
        var line = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }
}
