import ArgumentParser
import DelotonStore

/// `deloton migrate --analyst-role NAME`: a read-only PostgreSQL login for analysts and BI tools.
struct AnalystOptions: ParsableArguments {
    @Option(help: .setting(.analystRole)) var analystRole: String?
    @Option(help: .setting(.analystPasswordVariable)) var analystPasswordEnv: String?

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
        let variable = Env.text(.analystPasswordVariable, flag: analystPasswordEnv)
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
