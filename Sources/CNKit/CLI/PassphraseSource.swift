import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CNStore

/// Where a passphrase comes from, in DESIGN §3's order: `--passphrase-file`,
/// `CN_PASSPHRASE_FILE`, `CN_PASSPHRASE_FD`, `CN_PASSPHRASE_COMMAND`, `CN_PASSPHRASE`, or a
/// prompt on the terminal. Without a terminal there is no prompt: the command fails with
/// exit 78 instead of hanging (cron, CI, pipelines).
public struct PassphraseSource: Sendable {
    /// The `--passphrase-file` option, if given.
    public var file: String?
    /// The environment to read the variables from.
    public var environment: [String: String]
    /// The prefix of the variables: `CN_PASSPHRASE` for the account's passphrase,
    /// `CN_NEW_PASSPHRASE` for a new one (`cn-account passphrase set`).
    public var variable: String
    /// What the prompt asks for.
    public var prompt: String

    public init(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                variable: String = "CN_PASSPHRASE", prompt: String = "Passphrase: ") {
        self.file = file
        self.environment = environment
        self.variable = variable
        self.prompt = prompt
    }

    /// Reads the passphrase from the first source that is set.
    public func read(confirm: Bool = false) throws -> String {
        if let file { return try Self.fromFile(file, what: "--\(variable == "CN_PASSPHRASE" ? "" : "new-")passphrase-file") }
        if let file = environment[variable + "_FILE"], !file.isEmpty { return try Self.fromFile(file, what: variable + "_FILE") }
        if let fd = environment[variable + "_FD"], !fd.isEmpty {
            guard let number = Int32(fd), number >= 0 else { throw StoreError(.passphraseUnavailable, "\(variable)_FD is not a file descriptor number") }
            return try Self.fromDescriptor(number, what: variable + "_FD")
        }
        if let command = environment[variable + "_COMMAND"], !command.isEmpty { return try Self.fromCommand(command, what: variable + "_COMMAND") }
        if let value = environment[variable], !value.isEmpty { return value }
        return try promptOnTerminal(confirm: confirm)
    }

    /// A provider for `AccountStore.open(_:passphrase:)` (CNStore).
    public var provider: PassphraseProvider {
        let source = self
        return { try source.read() }
    }

    // MARK: Sources

    /// The first line of a file (a trailing newline is not part of the passphrase). Pipes
    /// work too: `--passphrase-file <(pass show cryptnode)`, `/dev/stdin`.
    public static func fromFile(_ path: String, what: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(.passphraseUnavailable, "\(what): cannot read \(path)") }
        defer { close(fd) }
        return try fromDescriptor(fd, what: what)
    }

    /// The first line from a descriptor. From a pipe or terminal it reads one byte at a
    /// time and stops at the newline, so that what follows (the JSON lines of
    /// `cn-friend`'s stdin mode after `CN_PASSPHRASE_FD=0`) is left for the command.
    static func fromDescriptor(_ fd: Int32, what: String) throws -> String {
        var info = stat()
        let regular = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: regular ? 4096 : 1)
        while data.count < 65536 {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 { if errno == EINTR { continue }; throw StoreError(.passphraseUnavailable, "\(what): cannot read descriptor \(fd)") }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if let newline = buffer[0..<n].firstIndex(of: 0x0A) {
                // A regular file was read ahead: give back what follows the line
                // (`CN_PASSPHRASE_FD=0 cn-friend < ops.txt` keeps the operations).
                if regular, newline + 1 < n { lseek(fd, off_t(newline + 1 - n), SEEK_CUR) }
                break
            }
        }
        return try firstLine(data, what: what)
    }

    /// Runs the command with `/bin/sh -c` and takes the first line it prints (a password
    /// manager: `pass show cryptnode`, `secret-tool lookup …`).
    static func fromCommand(_ command: String, what: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw StoreError(.passphraseUnavailable, "\(what): cannot run the command") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StoreError(.passphraseUnavailable, "\(what): the command exited with status \(process.terminationStatus)")
        }
        return try firstLine(data, what: what)
    }

    private static func firstLine(_ data: Data, what: String) throws -> String {
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let passphrase = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !passphrase.isEmpty else { throw StoreError(.passphraseUnavailable, "\(what) gave an empty passphrase") }
        return passphrase
    }

    /// Prompts on the controlling terminal with echo off — only when stdin is a terminal too,
    /// so that a command in a pipeline or under cron never waits for input no one can give.
    private func promptOnTerminal(confirm: Bool) throws -> String {
        let unavailable = StoreError(.passphraseUnavailable,
            "a passphrase is needed and there is no terminal to ask on: use --passphrase-file, \(variable)_FILE, \(variable)_FD, \(variable)_COMMAND or \(variable)")
        guard isatty(STDIN_FILENO) == 1 else { throw unavailable }
        let tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard tty >= 0 else { throw unavailable }
        defer { close(tty) }
        func ask(_ prompt: String) throws -> String {
            var saved = termios()
            tcgetattr(tty, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(tty, TCSAFLUSH, &silent)
            defer {
                tcsetattr(tty, TCSAFLUSH, &saved)
                _ = Glibc.write(tty, "\n", 1)
            }
            _ = prompt.withCString { Glibc.write(tty, $0, strlen($0)) }
            return try Self.fromDescriptor(tty, what: "the terminal")
        }
        let first = try ask(prompt)
        if confirm, try ask("Again: ") != first {
            throw StoreError(.passphraseUnavailable, "the two passphrases differ")
        }
        return first
    }
}
