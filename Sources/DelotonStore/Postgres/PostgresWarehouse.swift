import DelotonCore
import Logging

/// Connection settings from a `postgres://` URL. (Placeholder until the PostgreSQL warehouse lands.)
public struct PostgresSettings: Sendable, Equatable {
    public var url: String
    public init(url: String) throws { self.url = url }
}

public struct PostgresWarehouse: Warehouse {
    public let kind = "postgresql"
    public var sql: any SQLExecutor { fatalError("unreachable") }

    public init(settings: PostgresSettings, logger: Logger) async throws {
        throw WarehouseError(.configuration, "PostgreSQL is not supported by this build yet: use --database sqlite:PATH")
    }

    public func migrate() async throws {}
    public func write(_ batch: IngestBatch) async throws -> WriteOutcome { WriteOutcome() }
    public func openRides(streamPrefix: String) async throws -> [OpenRide] { [] }
    public func sourcePositions(prefix: String) async throws -> [String: Int64] { [:] }
    public func close() async throws {}
}
