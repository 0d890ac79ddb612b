import ArgumentParser

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the warehouse schema (and, on PostgreSQL, the read-only analyst role), then exit.")

    @OptionGroup var common: CommonOptions
    @OptionGroup(title: "Analyst role (PostgreSQL)") var analyst: AnalystOptions

    func run() async throws {
        let logger = try common.logger("deloton.migrate")
        let role = try analyst.role(databaseURL: common.databaseURL)
        let warehouse = try await common.openWarehouse(logger: logger, migrate: false, creates: true)
        let applied: [String]
        do { applied = try await warehouse.migrate() } catch { try? await warehouse.close(); throw error }
        if let role {
            do { try await role.apply(to: warehouse) } catch { try? await warehouse.close(); throw error }
        }
        try await warehouse.close()
        if !applied.isEmpty { Console.out("applied migrations \(applied.joined(separator: ", "))") }
        Console.out("warehouse \(warehouse.kind) is up to date")
        if let role { Console.out("analyst role \(role.name) can read the analytics views and nothing else") }
    }
}
