import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing
@testable import DelotonServer

@Suite struct OperationsTests {
    @Test(arguments: Backend.allCases) func healthSaysOkThen503WhenTheWarehouseIsGone(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let ok = try await client.call("/health")
            #expect(ok.status == .ok)
            #expect(ok.object["status"] as? String == "ok")
            let closing = ContinuousClock.now
            try await fixture.warehouse.close()
            let closed = ContinuousClock.now - closing
            let down = try await client.call("/health")
            #expect(down.status == .serviceUnavailable, "closed in \(closed), then answered \(down.body)")
            #expect(down.errorShape?.type == "unavailable")
        }
    }

    @Test(arguments: Backend.allCases) func readySaysReadyThen503WhenTheWarehouseIsGone(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.app().test(.router) { client async throws in
            let ok = try await client.call("/ready")
            #expect(ok.status == .ok)
            #expect(ok.object["status"] as? String == "ready")
            let closing = ContinuousClock.now
            try await fixture.warehouse.close()
            let closed = ContinuousClock.now - closing
            let down = try await client.call("/ready")
            #expect(down.status == .serviceUnavailable, "closed in \(closed), then answered \(down.body)")
            #expect(down.errorShape?.type == "unavailable")
        }
    }

    @Test(arguments: Backend.allCases) func metricsCountRequestsByRoutePattern(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            _ = try await client.call("/ride/1")
            _ = try await client.call("/ride/abc")
            let metrics = try await client.call("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.body.contains(#"deloton_http_requests_total{route="/ride/{id}",method="GET",status="400"} 1"#)
                    || metrics.body.contains(#"deloton_http_requests_total{route="/ride/:id",method="GET",status="400"} 1"#))
            #expect(metrics.body.contains("deloton_http_request_duration_seconds_bucket"))
        }
    }

    @Test(arguments: Backend.allCases) func unknownRoutes404AndWrongMethods405WithAllow(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let missing = try await client.call("/nowhere")
            #expect(missing.status == .notFound)
            #expect(missing.errorShape?.type == "not_found")
            let wrong = try await client.call("/ride/1", method: .patch)
            #expect(wrong.status == .methodNotAllowed, "\(wrong.body)")
            #expect(wrong.headers[.allow] == "GET, DELETE")
            #expect(wrong.errorShape?.code == 405)
            #expect(try await client.call("/daily", method: .post).status == .methodNotAllowed)
            // Every method the router has for the path, reads first.
            #expect(try await client.call("/session", method: .patch).headers[.allow] == "GET, POST, DELETE")
            // The dashboard's routes answer errors in the API's shape, never stored by a cache.
            let noFile = try await client.call("/dashboard/nothing-here.js")
            #expect(noFile.status == .notFound)
            #expect(noFile.errorShape?.type == "not_found")
            #expect(noFile.headers[.cacheControl] == "no-store")
        }
    }

    @Test(arguments: Backend.allCases) func openAPIDocumentNamesEveryRoute(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let answer = try await client.call("/openapi.json")
            #expect(answer.status == .ok)
            #expect(answer.object["openapi"] as? String == "3.0.3")
            let paths = try #require(answer.object["paths"] as? [String: [String: Any]])
            // The routes the server really registers, the dashboard's included.
            let table = RouteTable()
            table.record(buildRouter(config: fixture.config, warehouse: fixture.warehouse, logger: Logger(label: "test"),
                                     metrics: PrometheusCollectorRegistry()).0)
            #expect(table.routes.count >= 20)
            for (pattern, methods) in table.routes {
                let path = "/" + pattern.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                let documented = Set((paths[path] ?? [:]).keys.map { $0.uppercased() })
                #expect(documented == Set(methods), "\(path)")
            }
        }
    }

    @Test(arguments: Backend.allCases) func corsAnswersTheDashboardOrigin(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        var config = fixture.config
        config.corsOrigin = "http://dash.example"
        try await fixture.test(config: config) { client async throws in
            let answer = try await client.call("/health", headers: [.origin: "http://dash.example"])
            #expect(answer.headers[.accessControlAllowOrigin] == "http://dash.example")
            let preflight = try await client.call("/ride/1", method: .options, headers: [
                .origin: "http://dash.example", .accessControlRequestMethod: "DELETE"])
            #expect(preflight.status == .noContent)
        }
    }
}
