import ArgumentParser
import DelotonStore

/// `deloton migrate --analyst-role NAME`: a read-only PostgreSQL login for analysts and BI tools.
struct AnalystOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Also create or update NAME, a PostgreSQL login that reads the analytics views and nothing else "
            + "(docs/tableau.md) [\(variable: .analystRole)] (default none)",
        valueName: "name"))
    var analystRole: String?

    @Option(help: ArgumentHelp(
        "The environment variable that holds the analyst's password; never put the password itself on the command line "
            + "(default \(variable: .analystPassword))",
        valueName: "variable"))
    var analystPasswordEnv: String?

    /// The role asked for, checked before any work (exit 2 on a mistake); nil when none is.
    func role(databaseURL: String) throws -> AnalystRole? {
        guard let name = analystRole ?? Env.value(.analystRole) else {
            if let variable = analystPasswordEnv {
                throw CLIFailure.usage("\(flag: .analystPasswordVariable) \(variable) needs \(flag: .analystRole) NAME")
            }
            return nil
        }
        guard case .postgres = try WarehouseLocation(parsing: databaseURL) else {
            throw CLIFailure.usage("\(flag: .analystRole) needs a PostgreSQL warehouse (\(flag: .database) postgres://…): a SQLite file has no roles; "
                                   + "use `deloton export` or share a copy of the file")
        }
        let variable = analystPasswordEnv ?? "\(variable: .analystPassword)"
        guard let password = Env.value(variable) else {
            throw CLIFailure.usage("\(flag: .analystRole) \(name) needs a password in the environment variable \(variable): "
                                   + "export \(variable)=… (or name another variable with \(flag: .analystPasswordVariable))")
        }
        do {
            return try AnalystRole(name: name, password: password)
        } catch let error as WarehouseError {
            throw CLIFailure.usage(error.message)
        }
    }
}
