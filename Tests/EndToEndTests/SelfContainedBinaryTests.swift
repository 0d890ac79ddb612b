import DelotonTestSupport
import Foundation
import Testing

/// The `deloton` binary copied on its own, as a user or a package would: it serves the
/// dashboard with its build folder out of reach.
@Suite(.timeLimit(.minutes(3)))
struct SelfContainedBinaryTests {
    /// The folder the binary was built in. A SwiftPM resource bundle is looked up there by its
    /// absolute path, so a copy elsewhere still finds it while that folder exists.
    static var buildFolder: String {
        URL(fileURLWithPath: TestPaths.delotonBinary).resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    /// Whether this machine lets a child see an empty folder over the build folder (a private
    /// mount namespace: root, or user namespaces allowed).
    static func canHideBuildFolder() async -> Bool {
        let probe = try? await ChildProcess.run("/usr/bin/env", ["unshare", "-m", "sh", "-c", "mount -t tmpfs none \"$1\"", "sh", buildFolder],
                                                timeout: .seconds(20))
        return probe?.status == 0
    }

    @Test func aCopiedBinaryServesTheDashboardWithoutItsBuildFolder() async throws {
        let dir = TestPaths.scratch("copied-binary")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = dir + "/deloton"
        // Copied by cp, not in this process: a child that other tests spawn meanwhile would inherit our
        // open write handle on the copy, and running it would then fail with "Text file busy".
        let copied = try await ChildProcess.run("/bin/cp", [TestPaths.delotonBinary, binary])
        #expect(copied.status == 0, "\(copied.stderr)")
        // The copy names no bundle of the dashboard to look for.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: binary))
        #expect(bytes.range(of: Data("deloton_DelotonServer.resources".utf8)) == nil,
                "the binary still looks for the dashboard in a resource bundle")

        let database = "sqlite:" + dir + "/w.sqlite"
        let migrated = try await ChildProcess.run(binary, ["migrate", "--database", database],
                                                  environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(migrated.status == 0, "\(migrated.stderr)")

        let port = try SpawnedServer.freePort()
        let serve = [binary, "serve", "--database", database, "--host", "127.0.0.1", "--port", String(port)]
        // The build folder hidden under an empty one for the server alone (its own mount namespace).
        let hidden = await Self.canHideBuildFolder()
        let arguments = hidden
            ? ["/usr/bin/env", "unshare", "-m", "sh", "-c", "mount -t tmpfs none \"$1\" && shift && exec \"$@\"", "sh", Self.buildFolder] + serve
            : serve
        let server = try await SpawnedServer.start(arguments, environment: ["SWIFT_BACKTRACE": "enable=no"],
                                                   log: URL(fileURLWithPath: dir + "/serve.log"), port: port)
        defer { server.stopInBackground() }

        for (path, mark) in [("/", "<title>deloton"), ("/dashboard/app.js", "startLive"), ("/dashboard/style.css", "{"),
                             ("/dashboard/ride.html", "<title>")] {
            let got = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "10", "-w", "\n%{http_code}",
                                                                   "http://127.0.0.1:\(port)" + path])
            #expect(got.stdout.hasSuffix("\n200") && got.stdout.contains(mark), "\(path): \(got.stdout.prefix(300))")
        }
        let log = (try? String(contentsOfFile: dir + "/serve.log", encoding: .utf8)) ?? ""
        #expect(!log.contains("resource bundle"), "\(log.suffix(500))")
        if !hidden { print("note: the build folder could not be hidden here (no mount namespace); the copy ran beside it") }
    }
}
