import Foundation
import ArgumentParser

/// Ends a command with a status but no error line: the command already reported what
/// went wrong (a batch with some bad lines).
public struct CommandExit: Error, Sendable {
    public var status: ExitStatus
    public init(_ status: ExitStatus) { self.status = status }
}

/// Runs a command and turns any failure into DESIGN §4's contract: one
/// `{"error":{"code":…,"message":…}}` line on stderr and the matching exit code.
public enum CommandRunner {
    /// The whole life of a command: parse (usage errors exit 64 with the error line), run,
    /// report, exit.
    public static func main<Root: ParsableCommand>(_ root: Root.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        // A closed reader of our stdout must not kill us with SIGPIPE: writes fail instead.
        signal(SIGPIPE, SIG_IGN)
        var command: any ParsableCommand
        let arguments = commonOptionsAfterSubcommand(arguments, root: Root.self)
        do {
            command = try Root.parseAsRoot(arguments)
        } catch {
            let code = Root.exitCode(for: error)
            if code == .success {
                print(Root.fullMessage(for: error))
                exit(0)
            }
            Output.write(Root.fullMessage(for: error) + "\n", to: STDERR_FILENO)
            Output.write(Output.errorLine(CommandFailure(.usage, Root.message(for: error))) + "\n", to: STDERR_FILENO)
            exit(ExitStatus.usage.rawValue)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            if let reason = Output.lostOutputReason {
                throw CommandFailure(.ioError, "cannot write the output: \(reason)")
            }
            exit(0)
        } catch let done as CommandExit {
            exit(done.status.rawValue)
        } catch let clean as CleanExit {
            print(Root.fullMessage(for: clean))
            exit(0)
        } catch where Root.exitCode(for: error) == .success {
            // `--help` and `help <subcommand>` arrive as errors from swift-argument-parser.
            print(Root.fullMessage(for: error))
            exit(0)
        } catch {
            let failure = CommandFailure(error)
            Output.write(Output.errorLine(failure) + "\n", to: STDERR_FILENO)
            exit(failure.status.rawValue)
        }
    }

    /// The common options (``ClientOptions``) that take a value, and those that do not.
    static let commonValueOptions: Set<String> = ["--home", "--account", "--relay", "--passphrase-file", "--timeout"]
    static let commonFlags: Set<String> = ["-q", "--quiet"]

    /// Moves common options given before the subcommand (`cn-friend --home D list`, as git
    /// and signal-cli users type them) to just after it (`cn-friend list --home D`), where
    /// swift-argument-parser expects a subcommand's options. Anything else is left as it is.
    static func commonOptionsAfterSubcommand(_ arguments: [String], root: any ParsableCommand.Type) -> [String] {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if commonFlags.contains(argument) {
                index += 1
            } else if commonValueOptions.contains(name) {
                index += argument.contains("=") ? 1 : 2
            } else {
                break
            }
        }
        guard index > 0, index < arguments.count else { return arguments }
        // The subcommand path that follows the options, as deep as it goes.
        var command = root
        var end = index
        while end < arguments.count,
              let next = command.configuration.subcommands.first(where: { $0._commandName == arguments[end] }) {
            command = next
            end += 1
        }
        guard end > index else { return arguments }
        return Array(arguments[index..<end]) + Array(arguments[0..<index]) + Array(arguments[end...])
    }
}
