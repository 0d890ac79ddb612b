import DelotonTestSupport
import Foundation
import Testing

/// Only `run`, `ingest` and `migrate` create a SQLite warehouse: every other command given a
/// path that does not exist (a forgotten `--database`) stops with exit 2 and creates nothing.
@Suite struct GuardRailTests {
    static let readers: [[String]] = [
        ["report"],
        ["export", "--view", "rides"],
        ["serve", "--port", "0"],
        ["notify", "--once"],
        ["schedule", "--report-to", "ops@example.com"],
        ["keys", "list"],
    ]

    /// `deloton ARGS` run from inside `dir`, as a user in their own folder would.
    func deloton(in dir: String, _ arguments: [String]) async throws -> ChildProcess {
        try await ChildProcess.run("/bin/sh", ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir, TestPaths.delotonBinary] + arguments)
    }

    @Test("a missing SQLite warehouse is exit 2 naming the path and --database, and no file is made", arguments: readers)
    func missingWarehouseIsRefused(_ command: [String]) async throws {
        let dir = TestPaths.scratch("guard-" + command[0])
        let r = try await deloton(in: dir, command + ["--database", "sqlite:forgotten.sqlite"])
        #expect(r.status == 2, "\(command): \(r.stderr)")
        #expect(r.stderr.contains("forgotten.sqlite") && r.stderr.contains("--database") && r.stderr.contains("DELOTON_DATABASE_URL"),
                "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "\(command) left files behind")
    }

    @Test("the default path is refused too: report with no --database in an empty folder")
    func defaultPathIsRefused() async throws {
        let dir = TestPaths.scratch("guard-default")
        let r = try await deloton(in: dir, ["report"])
        #expect(r.status == 2 && r.stderr.contains("deloton.sqlite"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("migrate creates the warehouse, after which report reads it")
    func migrateThenReport() async throws {
        let dir = TestPaths.scratch("guard-migrate")
        let url = try await MigratedWarehouse.sqlite(dir + "/w.sqlite")
        let r = try await ChildProcess.run(TestPaths.delotonBinary, ["report", "--database", url, "--date", "2026-06-01",
                                                                     "--out", dir + "/report"])
        #expect(r.status == 0, "\(r.stderr)")
    }
}
