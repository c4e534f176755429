import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The file operations the store needs, each done the careful way: private modes from the
/// start, writes that are atomic (temporary file, fsync, rename), and advisory locks.
enum FileSystem {
    /// Creates `path` (and missing parents) with mode 0700, and tightens it if it exists.
    /// Missing parents are made with the usual mode (they are the user's, like `~/.local`);
    /// the directory itself is made 0700 by `mkdir` — never wider, not even for a moment.
    static func makePrivateDirectory(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, !exists(parent) {
            do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
                throw StoreError(.io, "cannot create \(parent): \(error.localizedDescription)")
            }
        }
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw StoreError(.io, "cannot create \(path): \(errnoText())")
        }
        guard chmod(path, 0o700) == 0 else { throw StoreError(.io, "cannot set mode 0700 on \(path): \(errnoText())") }
    }

    /// Flushes a directory's entries (renames into it) to disk.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(.io, "cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError(.io, "cannot sync \(path): \(errnoText())") }
    }

    /// Writes `bytes` to `path` atomically with `mode`: a reader sees the old or the new file,
    /// never a part, and a crash leaves the old one.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StoreError(.io, "cannot create \(temporary): \(errnoText())") }
        var ok = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        var failure = ok ? "" : errnoText()
        close(fd)
        if ok, rename(temporary, path) != 0 {
            failure = errnoText()
            ok = false
        }
        guard ok else {
            unlink(temporary)
            throw StoreError(.io, "cannot write \(path): \(failure)")
        }
    }

    /// The bytes of `path`, or nil if it does not exist.
    static func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.io, "cannot read \(path)")
        }
        return Array(data)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Removes a file or directory tree; a missing one is fine.
    static func remove(_ path: String) throws {
        guard exists(path) else { return }
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw StoreError(.io, "cannot remove \(path): \(error.localizedDescription)")
        }
    }

    /// The permission bits of `path`.
    static func mode(of path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
