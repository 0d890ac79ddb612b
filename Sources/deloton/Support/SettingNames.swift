import DelotonCore

/// How a user of the command line gives each setting the libraries know (`Setting`): its flag and
/// its environment variable. The libraries name a setting only by its `Setting` value; this table
/// is where those values become the words of `--help`, of error messages and of advice in logs.
enum SettingNames {
    struct Entry {
        /// The flag, when the setting has one.
        var flag: String?
        /// The environment variable, when a deployment can set it that way.
        var variable: String?
    }

    static func entry(_ setting: Setting) -> Entry {
        switch setting {
        case .database: Entry(flag: "--database", variable: "DELOTON_DATABASE_URL")
        case .analystRole: Entry(flag: "--analyst-role", variable: "DELOTON_ANALYST_ROLE")
        case .analystPasswordVariable: Entry(flag: "--analyst-password-env")
        case .timezone: Entry(flag: "--timezone", variable: "DELOTON_TIMEZONE")
        case .streamTimezone: Entry(flag: "--stream-timezone", variable: "DELOTON_STREAM_TIMEZONE")
        case .port: Entry(flag: "--port", variable: "DELOTON_PORT")
        case .publicReads: Entry(flag: "--public-reads", variable: "DELOTON_PUBLIC_READS")
        case .headerTimeout: Entry(flag: "--header-timeout", variable: "DELOTON_HEADER_TIMEOUT")
        case .idleTimeout: Entry(flag: "--idle-timeout", variable: "DELOTON_IDLE_TIMEOUT")
        case .maxConnections: Entry(flag: "--max-connections", variable: "DELOTON_MAX_CONNECTIONS")
        case .maxEventStreams: Entry(flag: "--max-event-streams", variable: "DELOTON_MAX_EVENT_STREAMS")
        case .maxEventStreamsPerAddress:
            Entry(flag: "--max-event-streams-per-address", variable: "DELOTON_MAX_EVENT_STREAMS_PER_ADDRESS")
        case .kafkaBrokers: Entry(flag: "--kafka-brokers", variable: "DELOTON_KAFKA_BROKERS")
        case .kafkaGroup: Entry(flag: "--kafka-group", variable: "DELOTON_KAFKA_GROUP")
        case .kafkaTopic: Entry(flag: "--kafka-topic", variable: "DELOTON_KAFKA_TOPIC")
        // Credentials never go on a command line, where `ps` shows them.
        case .kafkaUsername: Entry(variable: "DELOTON_KAFKA_USERNAME")
        case .kafkaPassword: Entry(variable: "DELOTON_KAFKA_PASSWORD")
        case .kafkaSecurityProtocol: Entry(variable: "DELOTON_KAFKA_SECURITY_PROTOCOL")
        case .smtp: Entry(flag: "--smtp", variable: "DELOTON_SMTP_URL")
        case .smtpUsername: Entry(variable: "DELOTON_SMTP_USERNAME")
        case .smtpPassword: Entry(variable: "DELOTON_SMTP_PASSWORD")
        case .outbox: Entry(flag: "--outbox", variable: "DELOTON_OUTBOX_DIR")
        case .reportRecipients: Entry(flag: "--report-to", variable: "DELOTON_REPORT_TO")
        case .reportFolder: Entry(flag: "--out")
        case .fileSource: Entry(flag: "--source", variable: "DELOTON_SOURCE")
        case .reportDate: Entry(flag: "--date")
        case .reportSend: Entry(flag: "--send")
        case .exportSince: Entry(flag: "--since")
        case .exportUntil: Entry(flag: "--until")
        case .keyName: Entry(flag: "--name")
        }
    }

    /// What the libraries' messages say; a setting without a flag is named by its variable and
    /// the other way round, so a message never shows an empty name.
    static let vocabulary = Setting.Vocabulary(
        flag: { entry($0).flag ?? entry($0).variable ?? $0.rawValue },
        variable: { entry($0).variable ?? entry($0).flag ?? $0.rawValue })
}

/// The command line's own settings: no library takes them, so `Setting` does not list them, but
/// their flags and variables live in this same table.
enum CommandSetting: CaseIterable {
    case logLevel, logFormat, verbose, quiet
    case host, noSignInLink, sessionHours, corsOrigin, chartjsPath, migrate
    case metricsPort, livenessFile, stallTimeout, statusInterval
    case instance, kafkaFromBeginning, kafkaExitWhenIdle, kafkaSaslMechanism, streamBy
    case runSource, backfillDays, maxLineBytes, rideIdleTimeout, quarantineRetentionDays
    case rideWebhook, mailFrom, alertCc, noNotify
    case reportAt, reportDir, reportRetryFor, exportFormat, analystPassword
}

extension SettingNames {
    static func entry(_ setting: CommandSetting) -> Entry {
        switch setting {
        case .logLevel: Entry(flag: "--log-level", variable: "DELOTON_LOG_LEVEL")
        case .logFormat: Entry(flag: "--log-format", variable: "DELOTON_LOG_FORMAT")
        case .verbose: Entry(flag: "--verbose", variable: "DELOTON_VERBOSE")
        case .quiet: Entry(flag: "--quiet", variable: "DELOTON_QUIET")
        case .host: Entry(flag: "--host", variable: "DELOTON_HOST")
        case .noSignInLink: Entry(flag: "--no-sign-in-link", variable: "DELOTON_NO_SIGN_IN_LINK")
        case .sessionHours: Entry(flag: "--session-hours", variable: "DELOTON_SESSION_HOURS")
        case .corsOrigin: Entry(flag: "--cors-origin", variable: "DELOTON_CORS_ORIGIN")
        case .chartjsPath: Entry(flag: "--chartjs-path", variable: "DELOTON_CHARTJS_PATH")
        case .migrate: Entry(flag: "--migrate", variable: "DELOTON_MIGRATE")
        case .metricsPort: Entry(flag: "--metrics-port", variable: "DELOTON_METRICS_PORT")
        // A file an orchestrator's probe looks at: a deployment's setting, not an invocation's.
        case .livenessFile: Entry(variable: "DELOTON_LIVENESS_FILE")
        case .stallTimeout: Entry(flag: "--stall-timeout", variable: "DELOTON_STALL_TIMEOUT")
        case .statusInterval: Entry(flag: "--status-interval", variable: "DELOTON_STATUS_INTERVAL")
        case .instance: Entry(flag: "--instance", variable: "DELOTON_INSTANCE")
        case .kafkaFromBeginning: Entry(flag: "--from-beginning", variable: "DELOTON_KAFKA_FROM_BEGINNING")
        case .kafkaExitWhenIdle: Entry(flag: "--exit-when-idle", variable: "DELOTON_KAFKA_EXIT_WHEN_IDLE")
        case .kafkaSaslMechanism: Entry(variable: "DELOTON_KAFKA_SASL_MECHANISM")
        case .streamBy: Entry(flag: "--stream-by", variable: "DELOTON_STREAM_BY")
        // `run` reads its own variable: its sources differ from `ingest`'s.
        case .runSource: Entry(flag: "--source", variable: "DELOTON_RUN_SOURCE")
        case .backfillDays: Entry(flag: "--backfill-days", variable: "DELOTON_BACKFILL_DAYS")
        case .maxLineBytes: Entry(flag: "--max-line-bytes", variable: "DELOTON_MAX_LINE_BYTES")
        case .rideIdleTimeout: Entry(flag: "--ride-idle-timeout", variable: "DELOTON_RIDE_IDLE_TIMEOUT")
        case .quarantineRetentionDays: Entry(variable: "DELOTON_QUARANTINE_RETENTION_DAYS")
        case .rideWebhook: Entry(flag: "--ride-webhook", variable: "DELOTON_RIDE_WEBHOOK")
        case .mailFrom: Entry(flag: "--mail-from", variable: "DELOTON_MAIL_FROM")
        case .alertCc: Entry(flag: "--alert-cc", variable: "DELOTON_ALERT_CC")
        case .noNotify: Entry(flag: "--no-notify", variable: "DELOTON_NO_NOTIFY")
        case .reportAt: Entry(flag: "--at", variable: "DELOTON_REPORT_AT")
        case .reportDir: Entry(flag: "--report-dir", variable: "DELOTON_REPORT_DIR")
        case .reportRetryFor: Entry(flag: "--retry-for", variable: "DELOTON_REPORT_RETRY_FOR")
        case .exportFormat: Entry(flag: "--format", variable: "DELOTON_EXPORT_FORMAT")
        // The variable `--analyst-password-env` names when it is not given.
        case .analystPassword: Entry(variable: "DELOTON_ANALYST_PASSWORD")
        }
    }

    static func flag(_ setting: CommandSetting) -> String { entry(setting).flag ?? entry(setting).variable! }
    static func variable(_ setting: CommandSetting) -> String { entry(setting).variable ?? entry(setting).flag! }
}

/// `"\(flag: .logLevel)"`: the command line's own settings in its messages and help.
extension String.StringInterpolation {
    mutating func appendInterpolation(flag setting: CommandSetting) { appendLiteral(SettingNames.flag(setting)) }
    mutating func appendInterpolation(variable setting: CommandSetting) { appendLiteral(SettingNames.variable(setting)) }
}
