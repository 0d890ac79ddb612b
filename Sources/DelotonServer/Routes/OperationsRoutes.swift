import DelotonStore
import Hummingbird
import Prometheus

/// `/health`, `/ready`, `/metrics`, `/openapi.json`.
struct OperationsRoutes: Sendable {
    let env: APIEnvironment
    let registry: PrometheusCollectorRegistry

    func add(to router: Router<APIRequestContext>) {
        router.get("/health", use: health)
        router.get("/ready", use: ready)
        router.get("/metrics", use: metrics)
        router.get("/openapi.json") { _, _ in Responses.json(OpenAPIDocument.json) }
    }

    @Sendable func health(_ request: Request, context: APIRequestContext) async throws -> Response {
        do {
            _ = try await env.warehouse.sql.query("SELECT 1 AS ok")
            return Responses.json(#"{"status":"ok"}"#)
        } catch {
            env.logger.warning("health check: the warehouse does not answer", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "the warehouse (\(env.warehouse.kind)) does not answer")
        }
    }

    /// For a load balancer or orchestrator deciding whether to send traffic here: the warehouse
    /// answers a query over the API's own tables, so an instance pointed at an unmigrated or
    /// wrong database is not ready although its connection works (which is all `/health` asks).
    @Sendable func ready(_ request: Request, context: APIRequestContext) async throws -> Response {
        // The replica too, when there is one: the API's reads go there.
        for (role, warehouse) in [("warehouse", env.warehouse)] + (env.replica.map { [("read replica", $0)] } ?? []) {
            do {
                _ = try await warehouse.sql.query("SELECT 1 AS ok FROM rides WHERE 1 = 0")
            } catch {
                env.logger.warning("readiness check: the \(role) cannot serve the API", metadata: ["error": "\(error)"])
                throw APIError(.serviceUnavailable,
                               "the \(role) (\(warehouse.kind)) does not answer or has no deloton schema (run deloton migrate)")
            }
        }
        return Responses.json(#"{"status":"ready"}"#)
    }

    @Sendable func metrics(_ request: Request, context: APIRequestContext) async throws -> Response {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * 1024)
        registry.emit(into: &bytes)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
