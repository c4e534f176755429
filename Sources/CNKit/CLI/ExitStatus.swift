import ArgumentParser
import CNStore
import CNClient

/// The exit codes of every client command (sysexits, DESIGN §4).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case software = 70
    case cantCreate = 73
    case ioError = 74
    case tempFail = 75
    case noPermission = 77
    case configuration = 78

    /// What the code means, as the man pages list it.
    public var meaning: String {
        switch self {
        case .ok: "ok"
        case .usage: "usage: a bad option or argument (a malformed e-mail on the command line)"
        case .dataError: "bad input data: a bad JSON line (the other lines still run), a request to oneself or to a user the relay does not know"
        case .noInput: "an input file is missing"
        case .unavailable: "the relay is unreachable"
        case .software: "internal error, or a relay that breaks the protocol"
        case .cantCreate: "cannot create the output (an account that already exists)"
        case .ioError: "I/O error"
        case .tempFail: "temporary failure: try again (a timeout; queued, not yet delivered)"
        case .noPermission: "not allowed: authentication failed, not friends, blocked, no such request, wrong passphrase, a safety number that does not match"
        case .configuration: "configuration: no account, no passphrase source, a damaged store file"
        }
    }
}

/// A fatal error of a command: an exit status and a message for the user.
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    /// The failure for any error a command can meet: errors that know their exit status
    /// say it themselves (``ExitStatusReporting``); anything else is an internal error.
    public init(_ error: any Error) {
        if let reporting = error as? any ExitStatusReporting {
            self.init(reporting.exitStatus, reporting.exitMessage)
        } else {
            self.init(.software, "internal error: \(error)")
        }
    }
}

/// An error that knows the exit status it ends a command with (DESIGN §4). Each module's
/// error type conforms, here, where exit statuses are defined.
public protocol ExitStatusReporting: Error {
    var exitStatus: ExitStatus { get }
    var exitMessage: String { get }
}

extension CommandFailure: ExitStatusReporting {
    public var exitStatus: ExitStatus { status }
    public var exitMessage: String { message }
}

extension StoreError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch kind {
        case .noAccount, .corrupt, .passphraseUnavailable: .configuration
        case .exists: .cantCreate
        case .wrongPassphrase: .noPermission
        case .io: .ioError
        }
    }
    public var exitMessage: String { message }
}

extension ClientError: ExitStatusReporting {
    public var exitStatus: ExitStatus {
        switch kind {
        case .unreachable: .unavailable
        case .authFailed, .notAllowed: .noPermission
        case .badRequest: .dataError
        case .timedOut: .tempFail
        case .protocolViolation: .software
        case .configuration: .configuration
        case .usage: .usage
        }
    }
    public var exitMessage: String { message }
}

extension ValidationError: ExitStatusReporting {
    public var exitStatus: ExitStatus { .usage }
    public var exitMessage: String { message }
}
