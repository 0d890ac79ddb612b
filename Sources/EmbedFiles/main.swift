import Foundation
import Yams

/// Writes Swift sources for the `EmbedDashboard` build plugin:
///
/// - `EmbedFiles OUTPUT FILE...` declares `enum DashboardFiles { static let all }`, text files
///   keyed by file name. The dashboard is compiled into the binary this way because a SwiftPM
///   resource bundle sits beside the build folder, and a binary copied anywhere else could not
///   find it.
/// - `EmbedFiles --openapi OUTPUT openapi.yaml` declares `enum OpenAPIDocument { static let json }`:
///   the API contract is written as YAML for people and served as JSON, and converting it here
///   keeps a YAML parser out of the server.
let arguments = Array(CommandLine.arguments.dropFirst())

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(code)
}

/// A raw multi-line literal holding `text` exactly: enough `#`s that nothing inside closes it or
/// escapes, and a last newline that the literal's closing line swallows.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

func read(_ path: String) -> String {
    guard let text = try? String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) else {
        fail("\(path): not a UTF-8 text file")
    }
    // A multi-line literal turns CR LF into LF: the compiled file would differ from the folder's.
    guard !text.contains("\r") else {
        fail("\(path): save it with LF line ends; carriage returns do not survive a Swift literal")
    }
    return text
}

func write(_ source: String, to output: String) {
    do {
        try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
        fail("cannot write \(output): \(error)")
    }
}

/// The YAML document as JSON; a value JSON cannot hold is refused rather than turned into something else.
func json(fromYAML text: String, path: String) -> String {
    let node: Any?
    do {
        // YAML 1.2's core schema: null, booleans, numbers and strings; no dates, which JSON lacks.
        node = try Yams.load(yaml: text, Resolver.default.removing(.timestamp).removing(.merge).removing(.value))
    } catch {
        fail("\(path): not valid YAML: \(error)")
    }
    func check(_ value: Any, at place: String) {
        switch value {
        case let map as [String: Any]: for (key, item) in map { check(item, at: place + "/" + key) }
        case let list as [Any]: for (index, item) in list.enumerated() { check(item, at: place + "/\(index)") }
        case is String, is Int, is Double, is Bool, is NSNull: break
        default: fail("\(path): \(place) is a \(type(of: value)), which JSON cannot hold: quote it")
        }
    }
    guard let node, node is [String: Any] else { fail("\(path): the document must be a mapping") }
    check(node, at: "")
    do {
        let data = try JSONSerialization.data(withJSONObject: node, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        // JSONSerialization leaves DEL as it is, which JSON allows and a Swift source does not.
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\u{7F}", with: "\\u007f")
    } catch {
        fail("\(path): cannot be written as JSON: \(error)")
    }
}

if arguments.first == "--openapi" {
    guard arguments.count == 3 else { fail("usage: EmbedFiles --openapi OUTPUT openapi.yaml", code: 2) }
    let (output, path) = (arguments[1], arguments[2])
    write("""
        // Generated at build time by the EmbedDashboard plugin from Sources/DelotonServer/openapi.yaml.

        /// The OpenAPI 3 description of every route, parameter, response and error, served at /openapi.json.
        enum OpenAPIDocument {
            static let json = \(literal(json(fromYAML: read(path), path: path)))
        }

        """, to: output)
    exit(0)
}

guard let output = arguments.first else { fail("usage: EmbedFiles OUTPUT FILE...", code: 2) }
var entries: [String] = []
for path in arguments.dropFirst().sorted() {
    entries.append("        \"\(URL(fileURLWithPath: path).lastPathComponent)\": \(literal(read(path))),\n")
}
write("""
    // Generated at build time by the EmbedDashboard plugin from Sources/DelotonServer/Dashboard.

    /// The dashboard's files by name, compiled in so a copied binary needs nothing beside it.
    enum DashboardFiles {
        static let all: [String: String] = [

    """ + entries.joined() + """
        ]
    }

    """, to: output)
