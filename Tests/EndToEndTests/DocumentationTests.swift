import Foundation
import Testing

/// The man pages and completion scripts keep up with the binaries.
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path

    /// Every subcommand and every long option of a command (from the parser's own dump).
    static func interface(_ command: String) async throws -> (subcommands: [String], options: [String]) {
        let dump = try await run(command, ["--experimental-dump-help"], environment: [:])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var subcommands: [String] = [], options: Set<String> = []
        func walk(_ node: [String: Any]) {
            for argument in node["arguments"] as? [[String: Any]] ?? [] {
                for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                    if let n = name["name"] as? String, n != "help", n != "version" { options.insert(n) }
                }
            }
            for sub in node["subcommands"] as? [[String: Any]] ?? [] {
                if let name = sub["commandName"] as? String, name != "help" { subcommands.append(name) }
                walk(sub)
            }
        }
        walk(try #require(json["command"] as? [String: Any]))
        return (subcommands, options.sorted())
    }

    @Test(arguments: [("cn-account", "man/cn-account.1"), ("cn-friend", "man/cn-friend.1"), ("cn-send", "man/cn-send.1"), ("cn-recv", "man/cn-recv.1")])
    func manPagesNameEverySubcommandAndOption(_ command: String, _ page: String) async throws {
        let text = try String(contentsOfFile: Self.root + "/" + page, encoding: .utf8)
        let (subcommands, options) = try await Self.interface(command)
        #expect(!options.isEmpty)
        for sub in subcommands { #expect(text.contains(sub), "\(page) does not mention \(sub)") }
        for option in options { #expect(text.contains("Fl -\(option)"), "\(page) does not document --\(option)") }
        for code in ["64", "65", "69", "70", "73", "74", "75", "77", "78"] { #expect(text.contains(code), "\(page) lacks exit code \(code)") }
    }

    @Test(arguments: ["cn-relay", "cn-account", "cn-friend", "cn-send", "cn-recv"])
    func committedCompletionsMatchTheBinaries(_ command: String) async throws {
        for (shell, file) in [("bash", "completions/bash/\(command)"), ("zsh", "completions/zsh/_\(command)"), ("fish", "completions/fish/\(command).fish")] {
            let generated = try await run(command, ["--generate-completion-script", shell], environment: [:])
            let committed = try String(contentsOfFile: Self.root + "/" + file, encoding: .utf8)
            #expect(generated.stdout == committed, "\(file) is stale: run scripts/completions.sh")
        }
    }
}
