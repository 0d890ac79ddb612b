/// The two databases a statement can be rendered for.
public enum SQLDialect: Sendable, Equatable {
    case sqlite, postgres
}

/// A statement written once for both warehouses, built by string interpolation.
///
/// Every interpolated value is a bind, never statement text: `"... WHERE id = \(id)"` sends `id`
/// typed (`SQLBind`), rendered `$1, $2…` for PostgreSQL and `?` for SQLite. Text that is not a
/// value is said so: `\(raw:)` for trusted fragments (column lists, constants that must repeat
/// verbatim in GROUP BY), `\(sqlite:postgres:)` where the two databases need different SQL, so
/// no one rewrites statement text after the fact.
public struct SQL: Sendable, Equatable, ExpressibleByStringInterpolation {
    indirect enum Piece: Sendable, Equatable {
        case text(String)
        case bind(SQLBind)
        case dialect(sqlite: SQL, postgres: SQL)
    }

    var pieces: [Piece]

    init(pieces: [Piece]) { self.pieces = pieces }

    public init(stringLiteral value: String) { pieces = [.text(value)] }

    public init(stringInterpolation: StringInterpolation) { pieces = stringInterpolation.pieces }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            pieces.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { pieces.append(.text(literal)) }
        }

        /// A value, bound with its type.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value) {
            pieces.append(.bind(value.sqlBind))
        }

        /// A value or NULL, typed alike either way.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) {
            pieces.append(.bind(value?.sqlBind ?? Value.sqlNull))
        }

        /// A value already typed (one read back from a row, for keyset paging).
        public mutating func appendInterpolation(_ bind: SQLBind) {
            pieces.append(.bind(bind))
        }

        /// Values as a comma-separated list of binds, for `IN (...)`; an empty list is `NULL`,
        /// which matches nothing.
        public mutating func appendInterpolation<Value: SQLBindable>(list values: [Value]) {
            guard !values.isEmpty else { pieces.append(.text("NULL")); return }
            for (i, value) in values.enumerated() {
                if i > 0 { pieces.append(.text(", ")) }
                pieces.append(.bind(value.sqlBind))
            }
        }

        /// Another statement's pieces, binds and all.
        public mutating func appendInterpolation(_ fragment: SQL) {
            pieces += fragment.pieces
        }

        /// Trusted statement text (never anything a user typed).
        public mutating func appendInterpolation(raw text: String) {
            pieces.append(.text(text))
        }

        /// SQL that differs between the databases (a cast only PostgreSQL needs, a function only
        /// one of them has).
        public mutating func appendInterpolation(sqlite: SQL, postgres: SQL) {
            pieces.append(.dialect(sqlite: sqlite, postgres: postgres))
        }
    }

    /// The text with placeholders for `dialect`, and the values in placeholder order.
    public func rendered(for dialect: SQLDialect) -> (text: String, binds: [SQLBind]) {
        var text = "", binds: [SQLBind] = []
        render(for: dialect, into: &text, &binds)
        return (text, binds)
    }

    private func render(for dialect: SQLDialect, into text: inout String, _ binds: inout [SQLBind]) {
        for piece in pieces {
            switch piece {
            case .text(let s):
                text += s
            case .bind(let value):
                binds.append(value)
                text += dialect == .postgres ? "$\(binds.count)" : "?"
            case .dialect(let sqlite, let postgres):
                (dialect == .postgres ? postgres : sqlite).render(for: dialect, into: &text, &binds)
            }
        }
    }

    /// The fragments in order, `separator` between them (conditions joined by `AND`, and the like).
    public static func joined(_ fragments: [SQL], separator: String) -> SQL {
        var pieces: [Piece] = []
        for (i, fragment) in fragments.enumerated() {
            if i > 0 { pieces.append(.text(separator)) }
            pieces += fragment.pieces
        }
        return SQL(pieces: pieces)
    }
}
