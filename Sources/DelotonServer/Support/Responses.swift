import DelotonCore
import Hummingbird

enum Responses {
    static let link = HTTPFields.Element.Name("Link")!
    static let jsonType = "application/json; charset=utf-8"
    static let csvType = "text/csv; charset=utf-8"

    /// RFC 8288 `Link: <...>; rel="next"`, beside the body's `next`, for clients that page by headers.
    static func nextLinkHeader(_ next: String?) -> HTTPFields {
        var fields = HTTPFields()
        if let next { fields[link] = "<\(next)>; rel=\"next\"" }
        return fields
    }

    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = jsonType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: jsonType],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func csv(_ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = csvType
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// List routes answer CSV when the client prefers it to JSON (`Accept: text/csv`).
    static func wantsCSV(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return accept.contains("text/csv") && !accept.hasPrefix("application/json")
    }
}
