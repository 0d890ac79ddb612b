/// Runs shared SQL on one database: what the API, the report, the outbox and the keys use.
public protocol SQLExecutor: Sendable {
    func query(_ sql: SQL) async throws -> [SQLRow]
    func execute(_ sql: SQL) async throws
    /// Runs the statements in order in one transaction; returns each statement's rows
    /// (use `RETURNING` to learn what a write touched).
    @discardableResult
    func transaction(_ statements: [SQL]) async throws -> [[SQLRow]]
}
