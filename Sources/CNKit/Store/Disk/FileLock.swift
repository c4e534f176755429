import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file (flock), held until ``release()`` or deinit.
/// Processes of one account serialize read-modify-write of shared files with it.
final class FileLock {
    private var fd: Int32

    /// Blocks until the lock on `path` (created 0600 if missing) is held.
    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError(.io, "cannot open lock \(path): \(FileSystem.errnoText())") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw StoreError(.io, "cannot lock \(path): \(FileSystem.errnoText())")
            }
        }
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
