import Foundation

/// A relay's address, parsed from its `ws://` or `wss://` URL.
public struct RelayEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var path: String
    /// `wss://`: TLS with the system's trust roots (plus `CN_RELAY_CA` if set).
    public var secure: Bool

    /// Parses `url`; `http(s)://` is accepted as a synonym. Nil if it is not a relay URL.
    public init?(_ url: String) {
        guard let components = URLComponents(string: url.trimmingCharacters(in: .whitespaces)),
              let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty else { return nil }
        switch scheme {
        case "ws", "http": secure = false
        case "wss", "https": secure = true
        default: return nil
        }
        // URLComponents keeps the brackets of an IPv6 literal; the socket wants the address.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (secure ? 443 : 80)
        guard (1...65535).contains(port) else { return nil }
        path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
    }

    /// Whether the host is this machine (`localhost`, 127.0.0.0/8, ::1).
    public var isLoopback: Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    public var description: String {
        "\(secure ? "wss" : "ws")://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
    }
}
