import ArgumentParser
import DelotonCore
import DelotonServer
import DelotonStore
import Foundation

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "API keys: create, list, revoke.",
        discussion: "Keys are stored hashed; a new key is shown once. Reads (and the dashboard's sign-in) need a read key, writes (DELETE) a write key.",
        subcommands: [Create.self, List.self, Revoke.self])

    static func store(_ warehouse: any Warehouse) -> APIKeyStore {
        APIKeyStore(warehouse: warehouse, now: { Instant(seconds: Date().timeIntervalSince1970) })
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it once.")
        @OptionGroup var common: CommonOptions
        @Option(help: .setting(.keyName)) var name: String
        @Option(help: .setting(.keyScope)) var scope: String = "read"

        func run() async throws {
            guard let scope = APIKeyScope(rawValue: scope) else {
                throw CLIFailure.usage("\(flag: .keyScope) \(scope) is not a scope: use read or write")
            }
            let logger = try common.logger("deloton.keys")
            let warehouse = try await common.openWarehouse(logger: logger)
            let key = try await Keys.store(warehouse).create(name: name, scope: scope)
            try await warehouse.close()
            Console.result(key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (names and scopes, never the keys).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let logger = try common.logger("deloton.keys")
            let zone = try common.displayZone()
            let warehouse = try await common.openWarehouse(logger: logger)
            let keys = try await Keys.store(warehouse).list()
            try await warehouse.close()
            for k in keys {
                Console.out("\(k.name)\t\(k.scope.rawValue)\tcreated \(zone.iso8601(k.createdAt))"
                            + (k.revokedAt.map { "\trevoked \(zone.iso8601($0))" } ?? ""))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by name.")
        @OptionGroup var common: CommonOptions
        @Option(help: .setting(.keyName)) var name: String

        func run() async throws {
            let logger = try common.logger("deloton.keys")
            let warehouse = try await common.openWarehouse(logger: logger)
            let revoked = try await Keys.store(warehouse).revoke(name: name)
            try await warehouse.close()
            guard revoked else { throw CLIFailure.runtime("no active key named \(name)") }
            Console.out("revoked \(name)")
        }
    }
}
