import Synchronization

/// A setting the libraries are given, by what it means rather than by how a user types it.
///
/// Libraries name a setting in their errors and advice through this type only; the program that
/// hosts them (the command line) decides the words: a flag, an environment variable, a key in a
/// file. The raw value is a stable key for places that cannot hold a Swift value.
public enum Setting: String, Sendable, CaseIterable {
    // The warehouse.
    case database, analystRole, analystPasswordVariable
    // Time.
    case timezone, streamTimezone
    // The server.
    case port, publicReads, headerTimeout, idleTimeout, maxConnections, maxEventStreams, maxEventStreamsPerAddress
    // Kafka.
    case kafkaBrokers, kafkaGroup, kafkaTopic, kafkaUsername, kafkaPassword, kafkaSecurityProtocol
    // Mail and notifications.
    case smtp, smtpUsername, smtpPassword, outbox, reportRecipients, reportFolder
    // What one invocation does: its input, the day it works on, the name it gives.
    case fileSource, reportDate, reportSend, exportSince, exportUntil, keyName

    /// How the host program names settings to its user. Installed once at start by the command
    /// line, before any library builds a message; until then a setting is shown by its key.
    public struct Vocabulary: Sendable {
        public var flag: @Sendable (Setting) -> String
        public var variable: @Sendable (Setting) -> String

        public init(flag: @escaping @Sendable (Setting) -> String, variable: @escaping @Sendable (Setting) -> String) {
            self.flag = flag
            self.variable = variable
        }

        /// For a host that has not said: the key, which at least tells a developer which setting.
        public static let keys = Vocabulary(flag: { $0.rawValue }, variable: { $0.rawValue })
    }

    // The one global of the libraries' messages: a message is built deep inside a library, often in
    // a log line, where threading the host's words through every call would only add noise.
    private static let vocabulary = Mutex(Vocabulary.keys)

    /// Sets the words every later message uses.
    public static func use(_ words: Vocabulary) { vocabulary.withLock { $0 = words } }

    /// How a user gives this setting on the host's command line, e.g. a flag.
    public var flag: String { Self.vocabulary.withLock { $0 }.flag(self) }

    /// How a deployment gives this setting, e.g. an environment variable.
    public var variable: String { Self.vocabulary.withLock { $0 }.variable(self) }
}

/// `"check \(flag: .database)"`: a setting in a message, in the host's words.
extension String.StringInterpolation {
    public mutating func appendInterpolation(flag setting: Setting) { appendLiteral(setting.flag) }
    public mutating func appendInterpolation(variable setting: Setting) { appendLiteral(setting.variable) }
}
