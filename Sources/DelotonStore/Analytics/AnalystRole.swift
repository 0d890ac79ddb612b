import DelotonCore

/// A PostgreSQL login for analysts and BI tools that reads the `analytics` views and nothing else:
/// no base table, no personal data, no writes.
///
/// Applying it is idempotent: the role is created, or its password reset, and its rights are set
/// afresh each time (by `deloton migrate`, given `Setting.analystRole`).
public struct AnalystRole: Sendable {
    public let name: String
    /// What the server stores instead of the password (SCRAMVerifier.swift): the password itself
    /// is never sent, so no statement log, replica stream or error can show it.
    let verifier: String
    /// Seconds one statement of the role may run: a runaway BI query cannot hold the warehouse.
    public let statementTimeoutSeconds: Int
    /// Sessions the role may hold at once: a dashboard tool's pool cannot take every connection.
    public let connectionLimit: Int

    /// Lower-case names only: PostgreSQL folds unquoted names to lower case, so this is the name
    /// a user types in Tableau or psql without quotes.
    public init(name: String, password: String, statementTimeoutSeconds: Int = 300, connectionLimit: Int = 10) throws {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_", name.count <= 63,
              name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw WarehouseError(.configuration,
                "\(flag: .analystRole) \(name) is not a usable role name: use 1-63 lower-case letters, digits or _, starting with a letter (e.g. analyst)",
                setting: .analystRole)
        }
        guard !["postgres", "public", "pg_read_all_data", "deloton"].contains(name), !name.hasPrefix("pg_") else {
            throw WarehouseError(.configuration, "\(flag: .analystRole) \(name) is reserved: choose a name of its own, e.g. analyst",
                                 setting: .analystRole)
        }
        guard !password.isEmpty else {
            throw WarehouseError(.configuration, "the analyst role's password is empty: set the variable named by \(flag: .analystPasswordVariable)",
                                 setting: .analystPasswordVariable)
        }
        guard (1...86_400).contains(statementTimeoutSeconds) else {
            throw WarehouseError(.configuration, "the analyst statement timeout must be 1 to 86400 seconds (got \(statementTimeoutSeconds))")
        }
        guard (1...10_000).contains(connectionLimit) else {
            throw WarehouseError(.configuration, "the analyst connection limit must be 1 to 10000 (got \(connectionLimit))")
        }
        self.name = name
        self.verifier = SCRAMVerifier.make(password: password)
        self.statementTimeoutSeconds = statementTimeoutSeconds
        self.connectionLimit = connectionLimit
    }

    /// Creates or updates the role on a migrated PostgreSQL warehouse, then checks that it can
    /// reach no base table and create nothing; fails (rolling everything back) if it could.
    public func apply(to warehouse: any Warehouse) async throws {
        guard warehouse.kind == .postgresql else {
            throw WarehouseError(.configuration,
                "\(flag: .analystRole) needs a PostgreSQL warehouse: a SQLite file has no roles (give analysts a copy of the file, or `deloton export`)",
                setting: .analystRole)
        }
        try await warehouse.sql.transaction(statements)
    }

    /// What `apply` sends. The name, verifier and limits travel as bound values into
    /// transaction-local settings, never as statement text; the password does not travel at all.
    /// So do the words for the role setting, which the script's advice names as the user knows it.
    var statements: [SQL] {
        let timeout = "\(statementTimeoutSeconds)s", connections = String(connectionLimit), setting = Setting.analystRole.flag
        return ["""
            SELECT set_config('deloton.analyst_role', \(name), true), set_config('deloton.analyst_verifier', \(verifier), true),
                   set_config('deloton.analyst_timeout', \(timeout), true), set_config('deloton.analyst_connections', \(connections), true),
                   set_config('deloton.analyst_role_setting', \(setting), true)
            """,
            SQL(stringLiteral: Self.script)]
    }

    static let script = """
        DO $$
        DECLARE
            analyst text := current_setting('deloton.analyst_role');
            secret text := current_setting('deloton.analyst_verifier');
            timeout text := current_setting('deloton.analyst_timeout');
            connections int := current_setting('deloton.analyst_connections')::int;
            role_setting text := current_setting('deloton.analyst_role_setting');
            reachable text;
        BEGIN
            IF to_regnamespace('analytics') IS NULL THEN
                RAISE EXCEPTION 'schema analytics does not exist yet: run deloton migrate with this version first'
                    USING ERRCODE = 'undefined_object';
            END IF;
            IF analyst = current_user OR analyst = session_user THEN
                RAISE EXCEPTION 'the analyst role cannot be % itself, which owns the warehouse: choose another %', analyst, role_setting
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = analyst
                       AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication)) THEN
                RAISE EXCEPTION 'role % already exists with powers an analyst must not have (superuser, createrole, createdb, replication or bypassrls): choose another %', analyst, role_setting
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            -- A failure here is raised afresh: its context would otherwise quote the statement, password and all.
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = analyst) THEN
                    EXECUTE format('ALTER ROLE %I WITH LOGIN CONNECTION LIMIT %s PASSWORD %L', analyst, connections, secret);
                ELSE
                    EXECUTE format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT %s PASSWORD %L',
                                   analyst, connections, secret);
                END IF;
            EXCEPTION WHEN OTHERS THEN
                RAISE EXCEPTION 'cannot create or update role %: % (the warehouse user needs CREATEROLE, or a superuser must create the role)',
                    analyst, SQLERRM USING ERRCODE = SQLSTATE;
            END;

            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA production, staging FROM %I', analyst);
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA production, staging FROM %I', analyst);
            EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA production FROM %I', analyst);
            EXECUTE format('REVOKE ALL ON SCHEMA production, staging FROM %I', analyst);
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA analytics FROM %I', analyst);
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), analyst);
            EXECUTE format('GRANT USAGE ON SCHEMA analytics TO %I', analyst);
            EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO %I', analyst);
            -- Views that later migrations add (created by this same owner) are readable at once.
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO %I', analyst);
            -- Unqualified names (what BI tools show first) resolve to the views.
            EXECUTE format('ALTER ROLE %I SET search_path = analytics', analyst);
            EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', analyst);
            EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', analyst, timeout);
            -- Instants show in the zone that decides the views' days, in any client.
            EXECUTE format('ALTER ROLE %I SET timezone = %L', analyst, 'Europe/London');

            -- PostgreSQL before 15 lets every role create tables in schema public.
            IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public')
               AND has_schema_privilege(analyst, 'public', 'CREATE') THEN
                REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                IF has_schema_privilege(analyst, 'public', 'CREATE') THEN
                    RAISE EXCEPTION 'role % could create tables in schema public: run REVOKE CREATE ON SCHEMA public FROM PUBLIC as its owner, then migrate again', analyst
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            END IF;

            -- What the role may still reach through PUBLIC or a role it belongs to.
            SELECT string_agg(n.nspname || '.' || c.relname, ', ' ORDER BY n.nspname, c.relname) INTO reachable
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('production', 'staging') AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
              AND has_table_privilege(analyst, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE');
            IF reachable IS NOT NULL OR has_schema_privilege(analyst, 'production', 'USAGE')
               OR has_schema_privilege(analyst, 'staging', 'USAGE') THEN
                RAISE EXCEPTION 'role % could still reach base tables (%) through PUBLIC or a role it is a member of: revoke those grants or choose another %',
                    analyst, coalesce(reachable, 'schema production or staging'), role_setting USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT string_agg(c.relname, ', ') INTO reachable
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'analytics' AND has_table_privilege(analyst, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE');
            IF reachable IS NOT NULL OR has_schema_privilege(analyst, 'analytics', 'CREATE') THEN
                RAISE EXCEPTION 'role % could change schema analytics (%) through PUBLIC or a role it is a member of: revoke those grants or choose another %',
                    analyst, coalesce(reachable, 'CREATE'), role_setting USING ERRCODE = 'insufficient_privilege';
            END IF;
        END $$
        """
}
