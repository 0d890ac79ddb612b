import Foundation

/// Writes a Swift source holding text files as string literals, for the `EmbedDashboard` build
/// plugin: `EmbedFiles OUTPUT FILE...` declares `enum DashboardFiles { static let all }`, keyed by
/// file name. The dashboard is compiled into the binary this way because a SwiftPM resource
/// bundle sits beside the build folder, and a binary copied anywhere else could not find it.
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedFiles OUTPUT FILE...\n".utf8))
    exit(2)
}

/// A raw multi-line literal holding `text` exactly: enough `#`s that nothing inside closes it or
/// escapes, and a last newline that the literal's closing line swallows.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

var entries: [String] = []
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        FileHandle.standardError.write(Data("\(path): not a UTF-8 text file\n".utf8))
        exit(1)
    }
    // A multi-line literal turns CR LF into LF: the compiled file would differ from the folder's.
    guard !text.contains("\r") else {
        FileHandle.standardError.write(Data("\(path): save it with LF line ends; carriage returns do not survive a Swift literal\n".utf8))
        exit(1)
    }
    entries.append("        \"\(url.lastPathComponent)\": \(literal(text)),\n")
}
let source = """
    // Generated at build time by the EmbedDashboard plugin from Sources/DelotonServer/Dashboard.

    /// The dashboard's files by name, compiled in so a copied binary needs nothing beside it.
    enum DashboardFiles {
        static let all: [String: String] = [

    """ + entries.joined() + """
        ]
    }

    """
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    FileHandle.standardError.write(Data("cannot write \(output): \(error)\n".utf8))
    exit(1)
}
