/// The raw `[SYSTEM]` profile of every ride, kept for a while so that `reprocess` can clean
/// riders again when the cleaning rules change. PostgreSQL keeps them (schema `staging`);
/// SQLite keeps none and answers `StagingUnsupported`.
public protocol ProfileStaging: Sendable {
    /// Whether raw profiles are kept: erasing a rider must then delete theirs too.
    var keepsProfiles: Bool { get }
    /// Deletes staged profiles older than `days` (nil: the warehouse's retention setting);
    /// returns how many were deleted.
    func purgeStaging(olderThanDays days: Int?) async throws -> Int
    /// Cleans every staged profile again with the current rules and updates the riders from
    /// their latest staged ride.
    func reprocess() async throws -> ReprocessSummary
}

/// What `reprocess` changed.
public struct ReprocessSummary: Sendable, Equatable {
    public var ridersChanged = 0
    public var profilesRead = 0
}

/// Asked of a warehouse that keeps no staged profiles.
public struct StagingUnsupported: Error, CustomStringConvertible, Sendable {
    public let kind: WarehouseKind
    public var description: String { "the \(kind) warehouse keeps no staged profiles (only PostgreSQL does)" }
}
