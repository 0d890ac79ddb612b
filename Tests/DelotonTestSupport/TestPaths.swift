import Foundation

/// Where the repository and its test fixtures are, and scratch folders for tests.
public enum TestPaths {
    /// The repository root: the nearest folder above this file that holds Package.swift.
    public static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// A real capture of the stream (1,000 messages), copied from shared/data.
    public static var realSample: String { repoRoot + "/Tests/Fixtures/real-sample.jsonl" }

    /// A new empty folder under the system temp folder.
    public static func scratch(_ name: String = "t") -> String {
        let path = NSTemporaryDirectory() + "deloton-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The built `deloton` binary next to the test bundle (debug or release, whichever is being tested).
    public static var delotonBinary: String {
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("deloton").path
        if FileManager.default.isExecutableFile(atPath: bundle) { return bundle }
        return repoRoot + "/.build/debug/deloton"
    }
}
