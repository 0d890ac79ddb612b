import Foundation
import Hummingbird

/// The page's own files (HTML, CSS, JavaScript modules), compiled into the program
/// (`DashboardFiles`) and kept in memory; or read from a folder on each request while someone
/// edits them.
struct DashboardAssets: Sendable {
    struct File: Sendable {
        var body: ByteBuffer
        var contentType: String
    }

    private let files: [String: File]
    private let directory: String?

    init(directory: String?) {
        self.directory = directory
        var files: [String: File] = [:]
        if directory == nil {
            for (name, text) in DashboardFiles.all where Self.isServable(name) {
                files[name] = File(body: ByteBuffer(string: text), contentType: Self.contentType(of: name))
            }
        }
        self.files = files
    }

    func file(_ name: String) -> File? {
        guard Self.isServable(name) else { return nil }
        if let directory {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            return File(body: ByteBuffer(bytes: data), contentType: Self.contentType(of: name))
        }
        return files[name]
    }

    /// Plain names only: nothing outside the folder can be asked for.
    static func isServable(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.count < 64
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" || $0 == "_" }
            && contentTypes[(name as NSString).pathExtension] != nil
    }

    static let contentTypes = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
        "json": "application/json; charset=utf-8",
    ]

    static func contentType(of name: String) -> String {
        contentTypes[(name as NSString).pathExtension] ?? "application/octet-stream"
    }
}

/// Chart.js as Debian installs it, read once from its configured path.
actor ChartJSFile {
    private let path: String
    private var cached: ByteBuffer?

    init(path: String) { self.path = path }

    func body() -> ByteBuffer? {
        if let cached { return cached }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let buffer = ByteBuffer(bytes: data)
        cached = buffer
        return buffer
    }

    var missingMessage: String {
        "Chart.js not found at \(path): install Debian's libjs-chart.js or point the dashboard's Chart.js path at chart.min.js"
    }
}
