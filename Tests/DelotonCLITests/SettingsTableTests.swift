import ArgumentParser
import DelotonCore
import DelotonTestSupport
import Foundation
import Testing
@testable import deloton

/// The one table of settings (`SettingNames`) against what `--help` shows and what the sources
/// write: help is read from the table, so the two cannot disagree, and no option writes its own.
@Suite struct SettingsTableTests {
    /// Every command a user runs (`bench` measures, and its knobs are not settings).
    static let commands: [any ParsableCommand.Type] = [
        Run.self, Ingest.self, Serve.self, Report.self, Schedule.self, Notify.self, Simulate.self, Migrate.self,
        Keys.Create.self, Keys.List.self, Keys.Revoke.self, Export.self, Reprocess.self,
    ]

    static let entries = Setting.allCases.map { SettingNames.entry($0) } + CommandSetting.allCases.map { SettingNames.entry($0) }

    /// Wide enough that no line wraps, so an option's help is one line.
    static func help(_ command: any ParsableCommand.Type) -> String { Deloton.helpMessage(for: command, columns: 100_000) }

    /// The options of a help screen: each one's flag and its text, the line that names it joined
    /// with the one below when a long name pushes the help there.
    static func options(_ help: String) -> [(flag: String, line: String)] {
        var options: [(flag: String, line: String)] = []
        for line in help.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("  -") {
                options.append((String(text.prefix { $0 != " " && $0 != "," }), text))
            } else if line.hasPrefix("          "), let last = options.indices.last {
                options[last].line += " " + text
            }
        }
        return options
    }

    @Test("each command's options show their table entry: sentence, variable and default")
    func everyOptionReadsTheTable() {
        for command in Self.commands {
            for (flag, line) in Self.options(Self.help(command)) where !["-h", "--help", "--version"].contains(flag) {
                let candidates = Self.entries.filter { $0.flag == flag }
                #expect(candidates.contains { line.contains($0.argumentHelp.abstract) },
                        "\(command._commandName) \(flag) is not the table's: \(line)")
            }
        }
    }

    @Test("every setting in the table appears in the help of a command that takes it")
    func everySettingIsShown() {
        let helps = Self.commands.map { Self.options(Self.help($0)) }
        let root = Deloton.helpMessage(columns: 100_000)
        for entry in Self.entries {
            if let flag = entry.flag {
                let shown = helps.contains { $0.contains { $0.flag == flag && $0.line.contains(entry.argumentHelp.abstract) } }
                #expect(shown, "\(flag) is in the table but no command's help shows it")
            } else if let variable = entry.variable {
                // Settings only the environment gives are listed by the top-level help.
                #expect(root.contains("\(variable): \(entry.help)"), "\(variable) is in the table but not in `deloton --help`")
            }
        }
    }

    @Test("a setting with a variable shows it, so a deployment can find it from --help")
    func variablesAreShown() {
        for entry in Self.entries where entry.flag != nil {
            guard let variable = entry.variable else { continue }
            #expect(entry.argumentHelp.abstract.contains("[\(variable)"), "\(entry.name)")
        }
    }

    @Test("flags and variables are each one setting's, except the pairs that share one on purpose")
    func namesAreUnique() {
        // `--source` is ingest's or run's, `--out` report's folder or export's file; --from-latest sets
        // --from-beginning's variable the other way.
        let sharedFlags: Set = ["--source", "--out"], sharedVariables: Set = ["DELOTON_KAFKA_FROM_BEGINNING"]
        var flags: [String: Int] = [:], variables: [String: Int] = [:]
        for entry in Self.entries {
            if let flag = entry.flag { flags[flag, default: 0] += 1 }
            if let variable = entry.variable { variables[variable, default: 0] += 1 }
        }
        #expect(flags.filter { $0.value > 1 }.keys.sorted() == sharedFlags.sorted())
        #expect(variables.filter { $0.value > 1 }.keys.sorted() == sharedVariables.sorted())
        #expect(Self.entries.allSatisfy { $0.flag != nil || $0.variable != nil })
    }

    @Test("no option writes its own help: every @Option and @Flag reads the table or is hidden")
    func noHelpOutsideTheTable() throws {
        let folder = TestPaths.repoRoot + "/Sources/deloton"
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder).filter {
            // `deloton bench` measures; its knobs have no variable and no entry in the interface.
            $0.hasSuffix(".swift") && !($0 as NSString).lastPathComponent.hasPrefix("Bench")
        }
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            if file.hasSuffix("SettingNames.swift") { continue }
            #expect(!text.contains("ArgumentHelp("), "\(file) builds help of its own")
            for wrapper in ["@Option(", "@Flag("] {
                var rest = Substring(text)
                while let found = rest.range(of: wrapper) {
                    let arguments = rest[found.upperBound...].prefix { $0 != "\n" }
                    #expect(arguments.contains("help: .setting(") || arguments.contains("help: .hidden"),
                            "\(file): \(wrapper)\(arguments)")
                    rest = rest[found.upperBound...]
                }
            }
        }
    }
}
