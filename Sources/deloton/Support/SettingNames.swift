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
