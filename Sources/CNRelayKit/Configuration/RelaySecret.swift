import Foundation

/// The relay's secret: 32 random bytes in `relay.secret` (mode 0600), created on first
/// start. It keys session tokens and the connection log's tags. **Fix** over the original
/// relay, which ran with an empty secret when none was configured.
public enum RelaySecret {
    /// Reads the secret, creating the data directory (0700) and the secret (0600) if missing.
    public static func loadOrCreate(dataDirectory: String) throws -> [UInt8] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if !fm.fileExists(atPath: dataDirectory, isDirectory: &isDirectory) {
            do {
                try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw RelayStartupError(.cannotCreate, "cannot create the data directory \(dataDirectory): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw RelayStartupError(.cannotCreate, "\(dataDirectory) is not a directory")
        }
        let path = dataDirectory + "/relay.secret"
        if let existing = fm.contents(atPath: path) {
            guard existing.count >= 32 else { throw RelayStartupError(.configuration, "\(path) is shorter than 32 bytes") }
            return [UInt8](existing)
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        // O_EXCL: if two processes race to create it, the loser reads the winner's.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 {
            if errno == EEXIST, let existing = fm.contents(atPath: path), existing.count >= 32 { return [UInt8](existing) }
            throw RelayStartupError(.cannotCreate, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            unlink(path)
            throw RelayStartupError(.cannotCreate, "cannot write \(path)")
        }
        return bytes
    }
}
