import Foundation

/// An empty SQLite warehouse made as a user makes one, with `deloton migrate`: the commands that
/// only read or serve one (`serve`, `report`, `notify`, `schedule`, `keys`, `export`) refuse a
/// path that does not exist.
public enum MigratedWarehouse {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates the warehouse at `path` (its folder must exist) and returns its `--database` URL.
    @discardableResult
    public static func sqlite(_ path: String) async throws -> String {
        let url = "sqlite:" + path
        let migrated = try await ChildProcess.run(TestPaths.delotonBinary, ["migrate", "--database", url])
        guard migrated.status == 0 else {
            throw Failure(description: "deloton migrate --database \(url) exited \(migrated.status): \(migrated.stderr)")
        }
        return url
    }
}
