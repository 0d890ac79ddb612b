import ArgumentParser
import DelotonCore
import DelotonKafka
import DelotonServer
import DelotonStore

/// The one table of the command line's settings: for each, its flag, its environment variable,
/// the sentence `--help` shows, and its default. The libraries name a setting only by its
/// `Setting` value; this table is where those values become the words of `--help`, of error
/// messages and of advice in logs, and every option's help is read from it (`ArgumentHelp.setting`),
/// so the help, the errors and the behaviour cannot drift apart.
///
/// One entry per setting, one line each where it fits, so a new setting is one line in one place.
enum SettingNames {
    struct Entry {
        /// The flag, when the setting has one.
        var flag: String?
        /// The environment variable, when a deployment can set it that way.
        var variable: String?
        /// What the setting does, for `--help`: without its variable or default, which are added.
        var help: String { describe() }
        // Read only when shown: a sentence may name another setting that names this one back
        // (`--smtp` and DELOTON_SMTP_USERNAME), and only names are needed to build an entry.
        private let describe: @Sendable () -> String
        /// The value used when neither the flag nor the variable is given, as the setting's own
        /// parser reads it; the commands take it from here, so `--help` shows what happens.
        var defaultValue: String?
        /// How `--help` describes the default when it is not one value ("none", "this host's
        /// name"), or a note after the value.
        var defaultNote: String?
        /// The value's name in the usage line (`--smtp <url>`); ArgumentParser's own when nil.
        var valueName: String?
        /// For an on/off flag with a variable: what the variable holds to mean the flag.
        var variableMeans: String?

        init(flag: String? = nil, variable: String? = nil, help: @autoclosure @escaping @Sendable () -> String,
             default defaultValue: String? = nil, note: String? = nil, valueName: String? = nil, variableMeans: String? = nil) {
            self.flag = flag
            self.variable = variable
            self.describe = help
            self.defaultValue = defaultValue
            self.defaultNote = note
            self.valueName = valueName
            self.variableMeans = variableMeans
        }

        /// An on/off flag: its variable, when it has one, is on when it holds `true`.
        static func onOff(flag: String, variable: String? = nil, help: @autoclosure @escaping @Sendable () -> String,
                          variableMeans: String = "true", note: String? = nil) -> Entry {
            Entry(flag: flag, variable: variable, help: help(), note: note, variableMeans: variable == nil ? nil : variableMeans)
        }

        /// What `--help` shows for the option: the sentence, then `[VARIABLE]` and `(default …)`
        /// when there are.
        var argumentHelp: ArgumentHelp {
            let variable = variable.map { " [\($0)\(variableMeans.map { "=" + $0 } ?? "")]" } ?? ""
            return ArgumentHelp(help + variable + defaultText, valueName: valueName)
        }

        /// ` (default …)`, or nothing when there is none worth saying.
        var defaultText: String {
            let shown = [defaultValue, defaultNote].compactMap { $0 }
            return shown.isEmpty ? "" : " (default \(shown.joined(separator: "; ")))"
        }

        /// How messages name the setting: its flag, else its variable.
        var name: String { flag ?? variable ?? "" }
    }

    static func entry(_ setting: Setting) -> Entry {
        switch setting {
        case .database:
            Entry(flag: "--database", variable: "DELOTON_DATABASE_URL", help: "Warehouse: sqlite:PATH or postgres://user[:pass]@host:port/db",
                  default: "sqlite:deloton.sqlite")
        case .analystRole:
            Entry(flag: "--analyst-role", variable: "DELOTON_ANALYST_ROLE",
                  help: "Also create or update NAME, a PostgreSQL login that reads the analytics views and nothing else (docs/tableau.md)",
                  note: "none", valueName: "name")
        case .analystPasswordVariable:
            Entry(flag: "--analyst-password-env",
                  help: "The environment variable that holds the analyst's password; never put the password itself on the command line",
                  default: variable(.analystPassword), valueName: "variable")
        case .timezone: Entry(flag: "--timezone", variable: "DELOTON_TIMEZONE", help: "Zone for days, reports and shown times", default: "Europe/London")
        case .streamTimezone:
            Entry(flag: "--stream-timezone", variable: "DELOTON_STREAM_TIMEZONE",
                  help: "Zone of the stream's zone-less wall times: how ingest reads them and simulate writes them", default: "Europe/London")
        case .port: Entry(flag: "--port", variable: "DELOTON_PORT", help: "Port to listen on", default: "8080")
        case .publicReads:
            .onOff(flag: "--public-reads", variable: "DELOTON_PUBLIC_READS",
                   help: "UNSAFE: every read route, the dashboard and its live feed included, answers without a credential, so anyone "
                       + "who reaches the server reads riders' personal and health data")
        case .headerTimeout:
            Entry(flag: "--header-timeout", variable: "DELOTON_HEADER_TIMEOUT", help: "Seconds a new connection has to send its request headers",
                  default: shown(ServerLimits().headerReadTimeout), valueName: "seconds")
        case .idleTimeout:
            Entry(flag: "--idle-timeout", variable: "DELOTON_IDLE_TIMEOUT", help: "Seconds an idle keep-alive connection is kept",
                  default: shown(ServerLimits().idleTimeout), valueName: "seconds")
        case .maxConnections:
            Entry(flag: "--max-connections", variable: "DELOTON_MAX_CONNECTIONS", help: "Connections open at once; more wait in the backlog",
                  default: String(ServerLimits().maxConnections))
        case .maxEventStreams:
            Entry(flag: "--max-event-streams", variable: "DELOTON_MAX_EVENT_STREAMS", help: "Live dashboard feeds open at once",
                  default: String(ServerLimits().maxEventStreams))
        case .maxEventStreamsPerAddress:
            Entry(flag: "--max-event-streams-per-address", variable: "DELOTON_MAX_EVENT_STREAMS_PER_ADDRESS",
                  help: "Live feeds open at once from one client address", default: String(ServerLimits().maxEventStreamsPerAddress))
        case .kafkaBrokers:
            Entry(flag: "--kafka-brokers", variable: "DELOTON_KAFKA_BROKERS", help: "Kafka bootstrap brokers, comma-separated host:port",
                  default: "127.0.0.1:9092")
        case .kafkaGroup: Entry(flag: "--kafka-group", variable: "DELOTON_KAFKA_GROUP", help: "Kafka consumer group", default: "deloton-ingest")
        case .kafkaTopic: Entry(flag: "--kafka-topic", variable: "DELOTON_KAFKA_TOPIC", help: "Kafka topic", default: "deloton")
        // Credentials never go on a command line, where `ps` shows them.
        case .kafkaUsername: Entry(variable: "DELOTON_KAFKA_USERNAME", help: "Kafka SASL user name")
        case .kafkaPassword: Entry(variable: "DELOTON_KAFKA_PASSWORD", help: "Kafka SASL password")
        case .kafkaSecurityProtocol:
            Entry(variable: "DELOTON_KAFKA_SECURITY_PROTOCOL",
                  help: "How to speak to Kafka: " + KafkaConfig.SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", "),
                  note: "sasl_ssl when a user name is set, else plaintext")
        case .smtp:
            Entry(flag: "--smtp", variable: "DELOTON_SMTP_URL",
                  help: "SMTP relay: smtp://[user[:password]@]host[:port][?starttls=required|opportunistic|off] or smtps://…; "
                      + "credentials may come from \(variable(.smtpUsername)) and \(variable(.smtpPassword)) instead",
                  note: "none, mail is written to \(flag(.outbox))", valueName: "url")
        case .smtpUsername: Entry(variable: "DELOTON_SMTP_USERNAME", help: "SMTP user name, when the \(flag(.smtp)) URL has none")
        case .smtpPassword: Entry(variable: "DELOTON_SMTP_PASSWORD", help: "SMTP password, when the \(flag(.smtp)) URL has none")
        case .outbox:
            Entry(flag: "--outbox", variable: "DELOTON_OUTBOX_DIR", help: "Folder for .eml files when no SMTP relay is set", default: "./outbox",
                  valueName: "dir")
        case .reportRecipients:
            Entry(flag: "--report-to", variable: "DELOTON_REPORT_TO", help: "Report recipients, comma-separated", valueName: "addresses")
        case .reportFolder: Entry(flag: "--out", help: "Folder for the report's files", note: "./reports/DATE", valueName: "dir")
        case .fileSource: Entry(flag: "--source", variable: "DELOTON_SOURCE", help: "kafka, file:PATH or simulator", default: "kafka")
        case .reportDate: Entry(flag: "--date", help: "The local day, YYYY-MM-DD", note: "yesterday in \(flag(.timezone))")
        case .reportSend:
            .onOff(flag: "--send", help: "Email the report to \(flag(.reportRecipients)), unless that day's report was already sent")
        case .exportSince:
            Entry(flag: "--since", help: "Rows at or after this: YYYY-MM-DD (a day in \(flag(.timezone))) or ISO 8601, e.g. 2022-07-25T16:00:00+01:00",
                  valueName: "time")
        case .exportUntil: Entry(flag: "--until", help: "Rows before this: YYYY-MM-DD or ISO 8601", valueName: "time")
        case .keyName: Entry(flag: "--name", help: "The key's name: who or what uses it, logged with every write")
        }
    }

    /// What the libraries' messages say.
    static let vocabulary = Setting.Vocabulary(flag: { flag($0) }, variable: { variable($0) })

    /// `10.0` as `10`: how a person writes a default number of seconds.
    private static func shown(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
    }
}

/// The command line's own settings: no library takes them, so `Setting` does not list them, but
/// they live in this same table.
enum CommandSetting: CaseIterable {
    case logLevel, logFormat, verbose, quiet
    case host, noSignInLink, sessionHours, corsOrigin, chartjsPath, migrate, readDatabase
    case metricsPort, livenessFile, stallTimeout, statusInterval
    case instance, kafkaFromBeginning, kafkaFromLatest, kafkaExitWhenIdle, kafkaSaslMechanism, kafkaProperty, streamBy
    case runSource, backfillDays, maxLineBytes, rideIdleTimeout, quarantineRetentionDays, readingsRetention, follow
    case rideWebhook, mailFrom, alertCc, noNotify, once
    case reportAt, reportDir, reportRetryFor, force, exportView, exportFormat, exportOut, keyScope, analystPassword, retentionDays
    case simulateTo, simulateStart, partitions, bikes, rides, speed, seed, minRideSeconds, maxRideSeconds
}

extension SettingNames {
    static func entry(_ setting: CommandSetting) -> Entry {
        switch setting {
        case .logLevel:
            Entry(flag: "--log-level", variable: "DELOTON_LOG_LEVEL", help: "trace, debug, info, notice, warning or error", default: "info")
        case .logFormat:
            Entry(flag: "--log-format", variable: "DELOTON_LOG_FORMAT", help: "text, or json for log collectors: one object per line", default: "text")
        case .verbose:
            .onOff(flag: "--verbose", variable: "DELOTON_VERBOSE", help: "Say more: each alert, finished ride and request (log level debug)")
        case .quiet:
            .onOff(flag: "--quiet", variable: "DELOTON_QUIET",
                   help: "Say less: warnings, errors and the command's result, no progress or status line (log level warning)")
        case .host:
            Entry(flag: "--host", variable: "DELOTON_HOST", help: "Address to listen on", default: "127.0.0.1", note: "0.0.0.0 in containers")
        case .noSignInLink:
            .onOff(flag: "--no-sign-in-link", variable: "DELOTON_NO_SIGN_IN_LINK",
                   help: "Print no one-time sign-in link at start, for a server whose output goes to logs that others read")
        case .sessionHours: Entry(flag: "--session-hours", variable: "DELOTON_SESSION_HOURS", help: "Hours a dashboard sign-in lasts", default: "12")
        case .corsOrigin: Entry(flag: "--cors-origin", variable: "DELOTON_CORS_ORIGIN", help: "Origin allowed to call the API from a browser (CORS)")
        case .chartjsPath:
            Entry(flag: "--chartjs-path", variable: "DELOTON_CHARTJS_PATH", help: "Chart.js file the dashboard serves",
                  default: DashboardOptions.defaultChartJSPath, note: "Debian's libjs-chart.js")
        case .migrate: .onOff(flag: "--migrate", variable: "DELOTON_MIGRATE", help: "Create or upgrade the schema first")
        case .readDatabase:
            Entry(flag: "--read-database", variable: "DELOTON_READ_DATABASE_URL",
                  help: "A PostgreSQL read replica of \(flag(.database)) for reads that may lag it a moment: lists, statistics, /daily, "
                      + "the report's figures, export. Writes, migrations, sign-in and the live feed stay on \(flag(.database))",
                  note: "none: all on \(flag(.database))", valueName: "url")
        case .metricsPort:
            Entry(flag: "--metrics-port", variable: "DELOTON_METRICS_PORT",
                  help: "Serve Prometheus metrics at http://HOST:PORT/metrics, HOST being \(variable(.host)) (127.0.0.1 unless set)",
                  note: "off", valueName: "port")
        // A file an orchestrator's probe looks at: a deployment's setting, not an invocation's.
        case .livenessFile:
            Entry(variable: "DELOTON_LIVENESS_FILE",
                  help: "A file that ingest, notify, schedule and run touch every 10 s while healthy, for a container's health check")
        case .stallTimeout:
            Entry(flag: "--stall-timeout", variable: "DELOTON_STALL_TIMEOUT",
                  help: "Liveness fails (\(variable(.livenessFile)) is no longer touched, deloton_ingest_stalled is 1) when input has "
                      + "waited this many seconds with no batch written and no write retried",
                  default: "60", valueName: "seconds")
        case .statusInterval:
            Entry(flag: "--status-interval", variable: "DELOTON_STATUS_INTERVAL",
                  help: "Seconds between the status lines of run and ingest when standard error is not a terminal (on a terminal the "
                      + "line is redrawn every second)",
                  default: "30", valueName: "seconds")
        case .instance:
            Entry(flag: "--instance", variable: "DELOTON_INSTANCE",
                  help: "This consumer's static group membership id (Kafka group.instance.id), unique among the group's live members, "
                      + "so a restarted copy takes its partitions back at once: any name Kafka accepts (letters, digits, '.', '_', '-'), "
                      + "used as given, e.g. ingest-1",
                  note: "HOST-1, this host's name", valueName: "id")
        case .kafkaFromBeginning:
            .onOff(flag: "--from-beginning", variable: "DELOTON_KAFKA_FROM_BEGINNING",
                   help: "Partitions the warehouse has not read yet start at the earliest offset, even if the group committed others")
        // The same variable as --from-beginning, set the other way.
        case .kafkaFromLatest:
            .onOff(flag: "--from-latest", variable: variable(.kafkaFromBeginning),
                   help: "Partitions the warehouse has not read yet start with new messages only", variableMeans: "false",
                   note: "the group's committed offset, else the earliest")
        case .kafkaExitWhenIdle:
            Entry(flag: "--exit-when-idle", variable: "DELOTON_KAFKA_EXIT_WHEN_IDLE",
                  help: "Exit once the topic is read to its end and nothing arrived for this many seconds, ending open rides as at the "
                      + "end of a file (for tests and batch jobs)",
                  valueName: "seconds")
        case .kafkaSaslMechanism:
            Entry(variable: "DELOTON_KAFKA_SASL_MECHANISM",
                  help: "Kafka SASL mechanism: " + KafkaConfig.SASLMechanism.allCases.map(\.rawValue).joined(separator: ", "),
                  default: KafkaConfig(brokers: "", clientID: "").saslMechanism.rawValue)
        case .kafkaProperty:
            Entry(flag: "--kafka-property",
                  help: "A librdkafka setting passed through as is; repeatable. Credentials come from \(variable(.kafkaUsername)), "
                      + "\(variable(.kafkaPassword)) and \(variable(.kafkaSecurityProtocol)) instead",
                  valueName: "key=value")
        case .streamBy:
            Entry(flag: "--stream-by", variable: "DELOTON_STREAM_BY",
                  help: "Streams (rides are assembled per stream): partition, or key when each bike has its own key as deloton simulate writes",
                  default: "partition")
        // `run` reads its own variable: its sources differ from `ingest`'s.
        case .runSource: Entry(flag: "--source", variable: "DELOTON_RUN_SOURCE", help: "simulator or kafka", default: "simulator")
        case .backfillDays:
            Entry(flag: "--backfill-days", variable: "DELOTON_BACKFILL_DAYS",
                  help: "Days of simulated history written first when the warehouse has no rides yet; 0 turns it off", default: "7",
                  valueName: "days")
        case .maxLineBytes:
            Entry(flag: "--max-line-bytes", variable: "DELOTON_MAX_LINE_BYTES",
                  help: "Longer lines are quarantined as their first 4 KiB, length and SHA-256", default: String(1 << 20))
        case .rideIdleTimeout:
            Entry(flag: "--ride-idle-timeout", variable: "DELOTON_RIDE_IDLE_TIMEOUT", help: "Seconds of silence after which a live stream's ride ends",
                  default: "60", valueName: "seconds")
        case .quarantineRetentionDays:
            Entry(variable: "DELOTON_QUARANTINE_RETENTION_DAYS", help: "Days a quarantined line is kept before ingest purges it",
                  default: String(QuarantineRetention.defaultDays))
        case .readingsRetention:
            Entry(flag: "--readings-retention", variable: "DELOTON_READINGS_RETENTION",
                  help: "Purge, once an hour, the readings of rides that started more than this long ago, e.g. 400d: whole partitions "
                      + "on PostgreSQL, bounded chunks on SQLite. Rides, riders and each ride's figures stay",
                  note: "off: every reading is kept", valueName: "days")
        case .follow: .onOff(flag: "--follow", help: "Keep reading a file as it grows")
        case .rideWebhook:
            Entry(flag: "--ride-webhook", variable: "DELOTON_RIDE_WEBHOOK", help: "POST each ended ride's JSON here, with retries", note: "none",
                  valueName: "url")
        case .mailFrom:
            Entry(flag: "--mail-from", variable: "DELOTON_MAIL_FROM", help: "Sender, address or \"Name <address>\"", default: "alerts@deloton.local",
                  valueName: "address")
        case .alertCc:
            Entry(flag: "--alert-cc", variable: "DELOTON_ALERT_CC", help: "Staff who get their own copy of every alert, comma-separated",
                  note: "none", valueName: "addresses")
        case .noNotify: .onOff(flag: "--no-notify", variable: "DELOTON_NO_NOTIFY", help: "Record alerts only; leave delivery to `deloton notify`")
        case .once: .onOff(flag: "--once", help: "Deliver what is due now, then exit")
        case .reportAt: Entry(flag: "--at", variable: "DELOTON_REPORT_AT", help: "Local time of day to send the report, HH:MM", default: "09:30")
        case .reportDir:
            Entry(flag: "--report-dir", variable: "DELOTON_REPORT_DIR", help: "Also keep each scheduled report's files in DIR/DATE",
                  default: "./reports", valueName: "dir")
        case .reportRetryFor:
            Entry(flag: "--retry-for", variable: "DELOTON_REPORT_RETRY_FOR",
                  help: "With \(flag(.reportSend)): keep retrying a mail relay that is down, or waiting for another process sending the "
                      + "same day, this many seconds",
                  default: "600", valueName: "seconds")
        case .force: .onOff(flag: "--force", help: "With \(flag(.reportSend)): send it even if that day's report was already sent")
        case .exportView:
            Entry(flag: "--view", help: "The view: " + AnalyticsCatalog.all.map(\.name).joined(separator: ", "), valueName: "name")
        case .exportFormat:
            Entry(flag: "--format", variable: "DELOTON_EXPORT_FORMAT",
                  help: "csv (RFC 4180, with a header line) or jsonl (one JSON object per line)", default: "csv", valueName: "format")
        case .exportOut:
            Entry(flag: "--out", help: "Write to this file (replaced only once the export is complete) instead of stdout", valueName: "path")
        case .keyScope: Entry(flag: "--scope", help: "read or write")
        // The variable `--analyst-password-env` names when it is not given.
        case .analystPassword:
            Entry(variable: "DELOTON_ANALYST_PASSWORD", help: "The analyst role's password, unless \(flag(.analystPasswordVariable)) names another variable")
        case .retentionDays:
            Entry(flag: "--retention-days", help: "Purge staged profiles older than this many days afterwards", note: "the warehouse's setting")
        case .simulateTo: Entry(flag: "--to", help: "file:PATH or kafka")
        case .simulateStart:
            Entry(flag: "--start", help: "First ride's start, local time YYYY-MM-DDTHH:MM:SS",
                  note: "rides end now with \(flag(.rides)), else start now")
        case .partitions:
            Entry(flag: "--partitions", help: "Partitions of the topic when --to kafka has to create it (an existing topic keeps its own)")
        // Simulator settings whose defaults are the options' own, which ArgumentParser shows.
        case .bikes: Entry(flag: "--bikes", help: "Bikes riding at once")
        case .rides: Entry(flag: "--rides", help: "Rides to simulate in all", note: "endless")
        case .speed:
            Entry(flag: "--speed", help: "Times faster than real time; 0 for as fast as possible", note: "0 with --rides, else 1; run: 1")
        case .seed: Entry(flag: "--seed", help: "Seed for a reproducible stream", note: "random")
        case .minRideSeconds: Entry(flag: "--min-ride-seconds", help: "Shortest ride in seconds")
        case .maxRideSeconds: Entry(flag: "--max-ride-seconds", help: "Longest ride in seconds")
        }
    }

    // A setting without a flag is named by its variable and the other way round, so a message
    // never shows an empty name.
    static func flag(_ setting: Setting) -> String { entry(setting).name }
    static func variable(_ setting: Setting) -> String { entry(setting).variable ?? entry(setting).name }
    static func flag(_ setting: CommandSetting) -> String { entry(setting).name }
    static func variable(_ setting: CommandSetting) -> String { entry(setting).variable ?? entry(setting).name }

    /// The settings only a deployment's environment gives (credentials, probe files), for the
    /// top-level help: ArgumentParser lists options only.
    static var environmentOnly: String {
        let library = Setting.allCases.map { entry($0) }, own = CommandSetting.allCases.map { entry($0) }
        return (library + own).filter { $0.flag == nil }.compactMap { entry in
            entry.variable.map { "  \($0): \(entry.help)\(entry.defaultText)" }
        }.joined(separator: "\n")
    }
}

extension ArgumentHelp {
    /// An option's help, read from the one table: its sentence, variable and default.
    static func setting(_ setting: Setting) -> ArgumentHelp { SettingNames.entry(setting).argumentHelp }
    static func setting(_ setting: CommandSetting) -> ArgumentHelp { SettingNames.entry(setting).argumentHelp }
}

/// `"\(flag: .logLevel)"`: the command line's own settings in its messages and help.
extension String.StringInterpolation {
    mutating func appendInterpolation(flag setting: CommandSetting) { appendLiteral(SettingNames.flag(setting)) }
    mutating func appendInterpolation(variable setting: CommandSetting) { appendLiteral(SettingNames.variable(setting)) }
}
