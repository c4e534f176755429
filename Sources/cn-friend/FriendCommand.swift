import ArgumentParser
import CNKit

/// `cn-friend`: friend requests, friends, blocks and safety numbers.
///
/// Every subcommand names itself (`commandName`): otherwise swift-argument-parser derives
/// the names from the type names by reflection at every start, a measurable part of the
/// start-up time every run pays (Benchmarks/README.md).
@main
struct FriendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cn-friend",
        abstract: "Manage friends: requests, blocks and safety numbers.",
        discussion: "Results are JSON lines on stdout; errors a JSON line on stderr. Without a subcommand, reads operations as JSON lines on stdin: {\"op\":\"request\",\"email\":\"bob@example.com\"}. See cn-friend(1).",
        subcommands: [Request.self, Accept.self, Deny.self, Remove.self, Block.self, Unblock.self,
                      List.self, Pending.self, Fingerprint.self, Verify.self, Trust.self, Batch.self],
        defaultSubcommand: Batch.self)

    static func main() async { await CommandRunner.main(Self.self) }
}

/// Runs one operation on the relay-synced account and prints its lines.
func perform(_ operation: FriendOperation, _ options: ClientOptions, offline: Bool = false) async throws {
    try await operation.perform(options, offline: offline)
}

/// A subcommand that takes one e-mail and changes state on the relay.
protocol PeerCommand: AsyncParsableCommand {
    static var kind: FriendOperation.Kind { get }
    var options: ClientOptions { get }
    var email: String { get }
}

extension PeerCommand {
    func run() async throws {
        let peer = try Arguments.email(email)
        try await perform(FriendOperation(op: Self.kind, email: peer.value), options)
    }
}

extension FriendCommand {
    struct Request: PeerCommand {
        static let configuration = CommandConfiguration(commandName: "request", abstract: "Send a friend request (one sealed packet per device of the peer).")
        static let kind = FriendOperation.Kind.request
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The peer's e-mail.", valueName: "email")) var email: String
    }

    struct Accept: PeerCommand {
        static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept a pending friend request.")
        static let kind = FriendOperation.Kind.accept
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The requester's e-mail.", valueName: "email")) var email: String
    }

    struct Deny: PeerCommand {
        static let configuration = CommandConfiguration(commandName: "deny", abstract: "Deny a pending friend request.")
        static let kind = FriendOperation.Kind.deny
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The requester's e-mail.", valueName: "email")) var email: String
    }

    struct Remove: PeerCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "End a friendship.")
        static let kind = FriendOperation.Kind.remove
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The friend's e-mail.", valueName: "email")) var email: String
    }

    struct Block: PeerCommand {
        static let configuration = CommandConfiguration(commandName: "block", abstract: "Block a user: no requests or messages from them; ends a friendship.")
        static let kind = FriendOperation.Kind.block
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The user's e-mail.", valueName: "email")) var email: String
    }

    struct Unblock: PeerCommand {
        static let configuration = CommandConfiguration(commandName: "unblock", abstract: "Lift a block (the friendship is not restored).")
        static let kind = FriendOperation.Kind.unblock
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The user's e-mail.", valueName: "email")) var email: String
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List friends (with --all, every known peer), one JSON line each.")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Also peers asked, asking, former and blocked.") var all = false
        @Flag(help: "Do not sync with the relay first.") var offline = false

        func run() async throws {
            try await perform(FriendOperation(op: .list, all: all), options, offline: offline)
        }
    }

    struct Pending: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pending", abstract: "List friend requests waiting for an answer (checked and decrypted).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await perform(FriendOperation(op: .pending), options)
        }
    }

    struct Fingerprint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fingerprint", abstract: "Show the safety number with a peer (compare it on both sides).")
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The peer's e-mail.", valueName: "email")) var email: String
        @Flag(help: "Do not sync with the relay first.") var offline = false

        func run() async throws {
            try await perform(FriendOperation(op: .fingerprint, email: try Arguments.email(email).value), options, offline: offline)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Mark a peer verified after comparing safety numbers.",
            discussion: "Exit 77 and nothing verified if the number differs from the current one. Verifying also accepts the peer's held-back keys that the number covers.")
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The peer's e-mail.", valueName: "email")) var email: String
        @Argument(parsing: .remaining, help: ArgumentHelp("The safety number as the peer reads it (spaces allowed).", valueName: "number"))
        var number: [String] = []
        @Flag(help: "Do not sync with the relay first.") var offline = false

        func validate() throws {
            guard SafetyNumber.normalized(number.joined()).count == 60 else { throw ValidationError("a safety number has 60 digits") }
        }

        func run() async throws {
            try await perform(FriendOperation(op: .verify, email: try Arguments.email(email).value, number: number.joined(separator: " ")),
                              options, offline: offline)
        }
    }

    struct Trust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trust",
            abstract: "Accept a peer's new device keys without comparing safety numbers (the peer becomes unverified).")
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The peer's e-mail.", valueName: "email")) var email: String

        func run() async throws {
            try await perform(FriendOperation(op: .trust, email: try Arguments.email(email).value), options)
        }
    }

    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batch",
            abstract: "Read operations as JSON lines on stdin (the default without a subcommand).",
            discussion: "Each line: {\"op\":\"request|accept|deny|remove|block|unblock|list|pending|fingerprint|verify|trust\",\"email\":…,\"number\":…,\"all\":…}. Results go to stdout in order; a bad line gives {\"error\":{…},\"line\":N} on stdout and the others still run (exit 65 then, or the first failure's code).")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Do not connect to the relay: list, pending (as last synced), fingerprint, verify and trust work; the others fail with 64.") var offline = false

        func run() async throws {
            let status = try await FriendBatch.main(options, offline: offline)
            if status != .ok { throw CommandExit(status) }
        }
    }
}
