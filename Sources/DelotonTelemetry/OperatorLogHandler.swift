import Foundation
import Logging

/// deloton's swift-log handler: each event becomes one `LogLine` on standard error.
public struct OperatorLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let write: @Sendable (String) -> Void

    /// Writes to standard error.
    public init(label: String, format: LogFormat, level: Logger.Level,
                metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.init(label: label, format: format, level: level, metadataProvider: metadataProvider, write: Self.standardError)
    }

    /// Writes each finished line (without its newline) to `write`; tests collect them.
    public init(label: String, format: LogFormat, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil,
                write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let explicit = event.metadata { fields.merge(explicit) { _, new in new } }
        write(LogLine.render(format, time: Date(), level: event.level, label: label, message: event.message.description,
                             metadata: fields, error: event.error))
    }

    /// Through `TerminalStatusLine`, so a progress bar on the terminal stays whole below the logs.
    @Sendable private static func standardError(_ line: String) {
        TerminalStatusLine.writeLine(line)
    }
}
