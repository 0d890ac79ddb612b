import ArgumentParser
import DelotonCore
import DelotonStore
import Foundation

@main
struct Deloton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deloton",
        abstract: "An open data platform for connected exercise bikes.",
        discussion: "Every setting a deployment configures also reads the environment variable shown in brackets; flags win "
            + "over variables. Options that only say what one invocation does (\(flag: .reportDate), \(flag: .rides), ...) have none. "
            + "These settings come from the environment only:\n" + SettingNames.environmentOnly,
        version: Deloton.version,
        subcommands: [Run.self, Ingest.self, Serve.self, Report.self, Schedule.self, Notify.self, Simulate.self, Migrate.self, Keys.self, Export.self, Reprocess.self, Bench.self])

    /// What `deloton --version` prints; raised with each release of the interface.
    static let version = "deloton 0.9.0"

    /// Exit codes are part of the interface: 0 success, 2 bad usage or configuration found before
    /// any work, 1 a failure at run time. ArgumentParser's usage code (64) becomes 2.
    static func main() async {
        Setting.use(SettingNames.vocabulary)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            Console.error(failure.message)
            Foundation.exit(failure.code)
        } catch let error as WarehouseError {
            Console.error(error.message)
            Foundation.exit(error.kind == .configuration ? 2 : 1)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { Console.error(message) }
            Foundation.exit(code == .validationFailure ? 2 : (code.rawValue == 0 ? 1 : code.rawValue))
        }
    }
}

/// An error the user can act on, with the exit code the interface promises.
struct CLIFailure: Error {
    var message: String
    var code: Int32

    static func usage(_ message: String) -> CLIFailure { CLIFailure(message: message, code: 2) }
    static func runtime(_ message: String) -> CLIFailure { CLIFailure(message: message, code: 1) }
}
