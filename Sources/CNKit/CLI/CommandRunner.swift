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
}
