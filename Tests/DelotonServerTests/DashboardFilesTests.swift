@testable import DelotonServer
import DelotonTestSupport
import Foundation
import Testing

/// The dashboard compiled into the binary is the one in the source folder: a file edited
/// without running `scripts/embed-dashboard.py` fails here, not in front of a user.
struct DashboardFilesTests {
    @Test func theCompiledFilesAreTheFolderS() throws {
        let folder = TestPaths.repoRoot + "/Sources/DelotonServer/Dashboard"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        #expect(DashboardFiles.all.keys.sorted() == names, "run scripts/embed-dashboard.py")
        for name in names {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(DashboardFiles.all[name] == text, "\(name) differs from its compiled copy: run scripts/embed-dashboard.py")
            #expect(DashboardAssets.isServable(name), "\(name) would not be served")
        }
    }
}
