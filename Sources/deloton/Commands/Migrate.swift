import ArgumentParser

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the warehouse schema, then exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = try common.logger("deloton.migrate")
        let warehouse = try await common.openWarehouse(logger: logger, migrate: true)
        try await warehouse.close()
        Console.out("warehouse \(warehouse.kind) is up to date")
    }
}
