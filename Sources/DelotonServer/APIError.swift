import DelotonCore
import Foundation
import Hummingbird

/// An error as every route answers it (interface.md):
/// `{"error": {"code": 404, "type": "not_found"}, "message": "No ride with id 17"}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status; self.message = message; self.headers = headers
    }

    public static func badRequest(_ m: String) -> APIError { APIError(.badRequest, m) }
    public static func notFound(_ m: String) -> APIError { APIError(.notFound, m) }

    public var type: String {
        switch status.code {
        case 400: return "bad_request"
        case 401: return "unauthorized"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 406: return "not_acceptable"
        case 413, 414, 431: return "payload_too_large"
        case 429: return "too_many_requests"
        case 503: return "unavailable"
        default: return status.code >= 500 ? "internal" : "bad_request"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    var body: ByteBuffer {
        var w = JSONWriter(capacity: 96 + message.utf8.count)
        w.object { w in
            w.key("error")
            w.object { w in
                w.field("code", status.code)
                w.field("type", type)
            }
            w.field("message", message)
        }
        return ByteBuffer(bytes: w.bytes)
    }
}
