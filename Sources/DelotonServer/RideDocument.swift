import DelotonCore
import DelotonStore

/// The API's ride object (interface.md) outside a request: the end-of-ride webhook sends
/// exactly what `GET /ride/{id}` answers.
public enum RideDocument {
    /// The ride as JSON, or nil when it no longer exists (deleted through the API).
    public static func json(rideID: Int64, warehouse: any Warehouse, zone: Zone) async throws -> [UInt8]? {
        guard let ride = try await RideQueries(warehouse.sql).ride(id: rideID) else { return nil }
        var writer = JSONWriter()
        Rendering(zone: zone).ride(ride, into: &writer)
        return writer.bytes
    }
}
