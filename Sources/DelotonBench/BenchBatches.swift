import DelotonCore
import DelotonIngest
import DelotonStore

/// Writes generated rides as ingest writes a stream: in batches of ingest's size, so a bench fills
/// a warehouse through the same write path at the same batch size.
struct BenchBatches {
    static let readings = IngestOptions(streamZone: .utc).maxBatchReadings
    let warehouse: any Warehouse
    private var batch = IngestBatch()

    init(_ warehouse: any Warehouse) { self.warehouse = warehouse }

    /// Takes what `assembler` has finished; writes once the batch is full.
    mutating func take(from assembler: inout RideAssembler) async throws {
        assembler.drain(into: &batch)
        if batch.readingCount >= Self.readings { try await flush() }
    }

    mutating func flush() async throws {
        _ = try await warehouse.write(batch)
        batch = IngestBatch()
    }
}
