#if canImport(Glibc)
import Glibc
#endif
import CZlibSupport

/// gzip through the system's zlib (one member, as the original app writes it).
public enum Gzip {
    /// Why a gzip stream was refused.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// It inflates past the limit (a gzip bomb); inflation stopped there.
        case tooLarge(limit: Int)
        /// Not one complete gzip member.
        case malformed
        case outOfMemory

        public var description: String {
            switch self {
            case .tooLarge(let limit): "inflates to more than \(limit) bytes"
            case .malformed: "not a complete gzip stream"
            case .outOfMemory: "out of memory"
            }
        }
    }

    /// One gzip member of `bytes` (level 6: zlib's default, the original's choice).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(Failure) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var count = 0
        let rc = bytes.withUnsafeBufferPointer { cn_gzip_compress($0.baseAddress, $0.count, level, &out, &count) }
        return try take(rc, out, count, limit: 0)
    }

    /// The inflated bytes of one gzip member, refused past `limit` bytes without ever holding
    /// more than `limit + 1` of them.
    public static func decompress(_ bytes: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var count = 0
        let rc = bytes.withUnsafeBufferPointer { cn_gzip_decompress($0.baseAddress, $0.count, limit, &out, &count) }
        return try take(rc, out, count, limit: limit)
    }

    private static func take(_ rc: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ count: Int, limit: Int) throws(Failure) -> [UInt8] {
        switch rc {
        case CN_GZIP_OK:
            defer { free(out) }
            return Array(UnsafeBufferPointer(start: out, count: count))
        case CN_GZIP_TOO_LARGE: throw .tooLarge(limit: limit)
        case CN_GZIP_MALFORMED: throw .malformed
        default: throw .outOfMemory
        }
    }
}
