@testable import DelotonServer
import DelotonTestSupport
import Foundation
import Testing

/// The dashboard compiled into the binary by the EmbedDashboard plugin is the source folder's,
/// byte for byte, and every file in it is one the server serves.
struct DashboardFilesTests {
    @Test func theCompiledFilesAreTheFolderS() throws {
        let folder = TestPaths.repoRoot + "/Sources/DelotonServer/Dashboard"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        #expect(DashboardFiles.all.keys.sorted() == names)
        for name in names {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(DashboardFiles.all[name] == text, "\(name) differs from its compiled copy")
            #expect(DashboardAssets.isServable(name), "\(name) would not be served")
        }
    }
}
