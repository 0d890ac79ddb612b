import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// The SQLite warehouse holds personal and health data: its files are the owner's only.
@Suite struct SQLiteFileModeTests {
    @Test func databaseWalAndShmAreOwnerOnlyEvenWhenLeftOpenBefore() async throws {
        let dir = TestPaths.scratch("sqlite-mode")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/w.sqlite"
        // A file an older version left readable by all is tightened on open.
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        let warehouse = try await Warehouses.open("sqlite:" + path, logger: Logger(label: "test"))
        _ = try await warehouse.write(StreamFixture.batches(lines: StreamFixture.handMade, source: "file:m", every: 1000)[0])
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file): \(String(mode ?? 0, radix: 8))")
        }
        try await warehouse.close()
    }
}
