import DelotonTestSupport
import Foundation
import Testing

/// `deloton help CMD` as a user reads it, and the README's promises about it.
@Suite struct HelpTextTests {
    static let commands = ["run", "ingest", "serve", "report", "schedule", "notify", "simulate", "migrate", "keys create",
                           "keys list", "keys revoke", "export", "reprocess"]

    /// Options that only say what one invocation does: the README says these have no variable.
    static let perInvocation: Set<String> = [
        "--date", "--out", "--send", "--force", "--since", "--until", "--view", "--follow", "--once", "--name", "--scope",
        "--retention-days", "--to", "--start", "--partitions",
        "--bikes", "--rides", "--speed", "--seed", "--min-ride-seconds", "--max-ride-seconds",
    ]

    /// Each option's entry in the help: its first line and the indented lines that continue it.
    static func entries(_ help: String) -> [(name: String, text: String)] {
        var out: [(name: String, text: String)] = []
        var inEntry = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  -") {
                let text = line.trimmingCharacters(in: .whitespaces)
                out.append((String(text.prefix { $0 != " " && $0 != "," }), text))
                inEntry = true
            } else if inEntry, line.hasPrefix("          "), let last = out.indices.last {
                out[last].text += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                inEntry = false
            }
        }
        return out
    }

    @Test("each default is printed once, and every setting shows its environment variable", arguments: commands)
    func optionsAreDescribedOnce(_ command: String) async throws {
        let r = try await ChildProcess.run(TestPaths.delotonBinary, ["help"] + command.split(separator: " ").map(String.init))
        #expect(r.status == 0, "\(r.stderr)")
        let entries = Self.entries(r.stdout)
        #expect(entries.count >= 3, "\(r.stdout)")
        for (name, text) in entries where !["-h", "--help", "--version"].contains(name) {
            #expect(text.components(separatedBy: "(default").count <= 2, "\(command) \(name): \(text)")
            #expect(text.contains("DELOTON_") || Self.perInvocation.contains(name), "\(command) \(name) shows no variable: \(text)")
        }
    }

    @Test("the README's command table lists every command")
    func readmeListsEveryCommand() async throws {
        let readme = try String(contentsOfFile: TestPaths.repoRoot + "/README.md", encoding: .utf8)
        let r = try await ChildProcess.run(TestPaths.delotonBinary, ["help"])
        // Under SUBCOMMANDS, up to the blank line: a name at two spaces, its description continued further in.
        let listed = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { !$0.hasPrefix("SUBCOMMANDS:") }.dropFirst().prefix { !$0.isEmpty }
            .filter { !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0 != "help" }
        #expect(listed.count >= 12, "\(r.stdout)")
        for command in listed { #expect(readme.contains("| `deloton \(command)"), "README lacks \(command)") }
    }
}
