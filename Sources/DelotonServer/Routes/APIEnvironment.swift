import DelotonCore
import DelotonStore
import Hummingbird
import Logging

/// What every route reads from: built once per application.
struct APIEnvironment: Sendable {
    let warehouse: any Warehouse
    /// A read replica of `warehouse`, if the deployment has one.
    let replica: (any Warehouse)?
    /// Where reads that may lag the primary a moment go: lists, records, statistics and `/daily`
    /// (the replica, else the primary). Sign-in, keys, deletions and the live feed use
    /// `warehouse`: they must see what was just written.
    let reads: any SQLExecutor
    let config: ServerConfig
    let logger: Logger
    let rendering: Rendering
    let auth: Authenticator
    let rides: RideQueries
    let riders: RiderQueries
    let deletion: Deletion
    /// Finished days' `/daily` answers (`DailyRoutes`), shared by every request of this process.
    let dailyCache: DailyPageCache

    init(warehouse: any Warehouse, replica: (any Warehouse)? = nil, config: ServerConfig, logger: Logger) {
        self.warehouse = warehouse
        self.replica = replica
        reads = (replica ?? warehouse).sql
        self.config = config
        self.logger = logger
        rendering = Rendering(zone: config.displayZone)
        auth = Authenticator(keys: APIKeyStore(warehouse: warehouse, now: config.now),
                             sessions: SessionStore(warehouse: warehouse, now: config.now))
        rides = RideQueries(reads)
        riders = RiderQueries(reads)
        deletion = Deletion(warehouse.sql, stagesProfiles: warehouse.staging.keepsProfiles)
        dailyCache = DailyPageCache(limits: config.dailyCache)
    }

    var zone: Zone { config.displayZone }
    var today: CivilDate { config.displayZone.date(of: config.now()) }

    /// A path id: plain digits, 1 to 2^63 - 1.
    static func id(_ context: some RequestContext, _ what: String) throws -> Int64 {
        let raw = context.parameters.get("id") ?? ""
        guard let id = QueryParameters.digits(raw), id >= 1 else {
            throw APIError.badRequest("\(what) id must be a whole number from 1 to 9223372036854775807 (got '\(QueryParameters.clip(raw))')")
        }
        return id
    }

    static let maxLimit: Int64 = 1000
    static let defaultLimit: Int64 = 100

    func limit(_ q: QueryParameters) throws -> Int {
        Int(try q.integer("limit", in: 1...Self.maxLimit) ?? Self.defaultLimit)
    }

    /// The query keys the list routes read (besides `cursor`).
    static let listKeys: Set<String> = ["since", "until", "rider", "bike", "gender", "min_age", "max_age", "limit"]

    /// The link to the next page: this request's path and its list filters, with the cursor moved
    /// on. Other keys are left out rather than echoed: they are ignored, and may be of any size.
    static func nextLink(_ request: Request, query: QueryParameters, cursor: String) -> String {
        var params = query.all.filter { listKeys.contains($0.key) }
        params["cursor"] = cursor
        return link(path: request.uri.path, params)
    }

    /// `path?key=value&...`, keys sorted, each part percent-encoded.
    static func link(path: String, _ params: [String: String]) -> String {
        let q = params.keys.sorted().map { QueryParameters.encode($0) + "=" + QueryParameters.encode(params[$0] ?? "") }
        return path + "?" + q.joined(separator: "&")
    }
}
