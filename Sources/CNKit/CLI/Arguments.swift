import ArgumentParser
import CNCrypto

/// Helpers every client command uses for its arguments.
public enum Arguments {
    /// A command-line e-mail argument, normalized; a malformed one is a usage error (64).
    public static func email(_ raw: String, what: String = "e-mail") throws -> EmailAddress {
        guard let email = EmailAddress(raw) else { throw ValidationError("\"\(raw)\" is not a valid \(what) address") }
        return email
    }
}
