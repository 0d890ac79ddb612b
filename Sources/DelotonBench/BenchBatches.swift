import DelotonCore
import DelotonStore

/// Writes generated rides as ingest writes a stream: in batches of about 20,000 readings, so a
/// bench fills a warehouse through the same write path at the same batch size.
struct BenchBatches {
    let warehouse: any Warehouse
    private var batch = IngestBatch()

    init(_ warehouse: any Warehouse) { self.warehouse = warehouse }

    /// Takes what `assembler` has finished; writes once the batch is full.
    mutating func take(from assembler: inout RideAssembler) async throws {
        assembler.drain(into: &batch)
        if batch.readingCount >= 20_000 { try await flush() }
    }

    mutating func flush() async throws {
        _ = try await warehouse.write(batch)
        batch = IngestBatch()
    }
}
