import DelotonTelemetry
import Foundation
import Logging
import Synchronization
import Testing

/// The JSON and text log lines as a log collector and a person read them.
@Suite struct LogLineTests {
    /// Log calls made through a real `Logger` backed by the handler, lines collected.
    final class Collected: Sendable {
        let lines = Mutex<[String]>([])
        func logger(_ format: LogFormat, level: Logger.Level = .info) -> Logger {
            Logger(label: "deloton.test") { label in
                OperatorLogHandler(label: label, format: format, level: level) { line in self.lines.withLock { $0.append(line) } }
            }
        }
        var all: [String] { lines.withLock { $0 } }
    }

    func object(_ line: String) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(parsed as? [String: Any])
    }

    @Test func jsonLineCarriesLevelLoggerMessageAndMetadataAsFields() throws {
        let collected = Collected()
        var logger = collected.logger(.json)
        logger[metadataKey: "role"] = "ingest"
        logger.warning("alert not sent; will retry", metadata: ["alert": "17", "attempt": .stringConvertible(3),
                                                                "tags": ["a", "b"], "detail": ["code": "451"]])
        let lines = collected.all
        #expect(lines.count == 1)
        let fields = try object(try #require(lines.first))
        #expect(fields["level"] as? String == "warning")
        #expect(fields["logger"] as? String == "deloton.test")
        #expect(fields["message"] as? String == "alert not sent; will retry")
        #expect(fields["alert"] as? String == "17")
        #expect(fields["attempt"] as? String == "3")
        #expect(fields["role"] as? String == "ingest")
        #expect(fields["tags"] as? [String] == ["a", "b"])
        #expect((fields["detail"] as? [String: String])?["code"] == "451")
        let time = try #require(fields["time"] as? String)
        #expect(time.hasSuffix("Z") && time.count == "2026-01-01T00:00:00.000Z".count, "\(time)")
    }

    @Test func controlCharactersAreEscapedSoOneEventIsOneLine() throws {
        let collected = Collected()
        let logger = collected.logger(.json)
        let hostile = "line one\nFAKE {\"level\":\"error\"}\r\u{1B}[31m\u{0}\u{7F}\u{85}\u{2028}end \"quoted\" back\\slash"
        logger.error("\(hostile)", metadata: ["raw": "\(hostile)"])
        let line = try #require(collected.all.first)
        #expect(!line.contains("\n") && !line.contains("\r"))
        #expect(line.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "every byte printable ASCII: \(line)")
        let fields = try object(line)
        #expect(fields["message"] as? String == hostile)
        #expect(fields["raw"] as? String == hostile)

        let text = Collected()
        text.logger(.text).error("\(hostile)")
        let textLine = try #require(text.all.first)
        #expect(!textLine.contains("\n") && !textLine.contains("\r") && !textLine.contains("\u{1B}"))
        #expect(textLine.contains("line one\\nFAKE"))
    }

    @Test func metadataCannotOverwriteTheLinesOwnFields() throws {
        let collected = Collected()
        collected.logger(.json).info("the real message", metadata: ["message": "forged", "level": "critical"])
        let fields = try object(try #require(collected.all.first))
        #expect(fields["message"] as? String == "the real message")
        #expect(fields["level"] as? String == "info")
        #expect(fields["meta.message"] as? String == "forged")
        #expect(fields["meta.level"] as? String == "critical")
    }

    @Test func emailAddressesNeverReachALine() throws {
        for format in LogFormat.allCases {
            let collected = Collected()
            let logger = collected.logger(format)
            logger.warning("550 <jack.smith+bikes@example.com>: mailbox unavailable",
                           metadata: ["reason": "rider 12's email address \"Jane.Doe@Mail.Example.ORG\" is not valid",
                                      "list": ["a@b.co", "ok"]])
            let line = try #require(collected.all.first)
            #expect(!line.contains("@example.com") && !line.lowercased().contains("jane.doe") && !line.contains("a@b.co"), "\(line)")
            #expect(line.contains("[email]"))
            #expect(line.contains("mailbox unavailable") && line.contains("rider 12"))
        }
    }

    @Test func levelsBelowTheHandlersAreDropped() {
        let collected = Collected()
        let logger = collected.logger(.json, level: .warning)
        logger.info("quiet")
        logger.debug("quieter")
        logger.error("loud")
        #expect(collected.all.count == 1)
    }

    @Test func redactionLeavesOrdinaryTextAlone() {
        for text in ["", "no at sign here", "user@localhost", "@handle", "price 3 @ 2.50", "trailing@", "a@b.c",
                     "Kafka topic deloton@3"] {
            #expect(PersonalDataRedaction.redact(text) == text, "\(text)")
        }
        #expect(PersonalDataRedaction.redact("to bob@example.com.") == "to [email].")
        #expect(PersonalDataRedaction.redact("x@y.org,z@w.net") == "[email],[email]")
        #expect(PersonalDataRedaction.redact("ünï@exämple.de ok") == "[email] ok")
    }
}
