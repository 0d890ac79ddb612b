import DelotonCore
import DelotonNotify
import Foundation
import Testing

@Suite("OutboxMailer")
struct OutboxMailerTests {
    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("deloton-outbox-\(UUID().uuidString)/nested/outbox")
    }

    private func emlFiles(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func theFolderAndItsMessagesAreTheOwnersOnly() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent().deletingLastPathComponent()) }
        // A folder left open to all by an older version, or by hand, is tightened too.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let written = try OutboxMailer(directory: folder).write(SampleMessages.alert(id: "ride-7@deloton"))
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: written.path)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        #expect(fileMode == 0o600)
    }

    @Test func writesOneFilePerMessageIDAndOverwritesOnResend() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent().deletingLastPathComponent()) }
        let outbox = OutboxMailer(directory: folder)
        try await outbox.send(SampleMessages.alert(id: "ride-1@deloton"))
        try await outbox.send(SampleMessages.alert(id: "ride-2@deloton"))
        var again = SampleMessages.alert(id: "<ride-1@deloton>")
        again.subject = "Abnormal heart rate (resent)"
        try await outbox.send(again)

        #expect(emlFiles(folder) == ["ride-1@deloton.eml", "ride-2@deloton.eml"])
        let parsed = try await ParsedEmail.parse(file: folder.appendingPathComponent("ride-1@deloton.eml"))
        #expect(parsed.defects.isEmpty)
        #expect(parsed.subject == "Abnormal heart rate (resent)")
        #expect(parsed.to.map(\.address) == ["zoe@example.com"])
        let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent("ride-2@deloton.eml")))
        #expect(bytes == SampleMessages.alert(id: "ride-2@deloton").rfc5322())
    }

    @Test func fileNamesAreSafeAndDistinct() {
        #expect(OutboxMailer.fileName(forMessageID: "ride-17.alert@deloton.local") == "ride-17.alert@deloton.local.eml")
        let slash = OutboxMailer.fileName(forMessageID: "../../etc/passwd")
        let underscore = OutboxMailer.fileName(forMessageID: "_.._etc_passwd")
        #expect(!slash.contains("/"))
        #expect(!slash.hasPrefix("."))
        #expect(slash != underscore)
        #expect(OutboxMailer.fileName(forMessageID: "a/b") != OutboxMailer.fileName(forMessageID: "a_b"))
        #expect(OutboxMailer.fileName(forMessageID: String(repeating: "x", count: 1000)).utf8.count < 255)
    }

    @Test func concurrentSendsLeaveNoTemporaryFiles() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent().deletingLastPathComponent()) }
        let outbox = OutboxMailer(directory: folder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask { try await outbox.send(SampleMessages.alert(id: "ride-\(index % 10)@deloton")) }
            }
            try await group.waitForAll()
        }
        #expect(emlFiles(folder).count == 10)
        #expect(emlFiles(folder).allSatisfy { $0.hasSuffix(".eml") })
    }

    @Test func invalidRecipientIsPermanent() async throws {
        let folder = temporaryFolder()
        let error = await #expect(throws: MailError.self) {
            try await OutboxMailer(directory: folder).send(SampleMessages.alert(to: "nobody"))
        }
        #expect(error?.isTransient == false)
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func unwritableFolderIsATransientLocalFailure() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deloton-not-a-dir-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(at: file) }
        let error = await #expect(throws: MailError.self) {
            try await OutboxMailer(directory: file.appendingPathComponent("outbox")).send(SampleMessages.alert())
        }
        #expect(error?.isTransient == true)
        #expect(error?.reason.contains(Setting.outbox.variable) == true, "\(String(describing: error))")
        #expect(error?.setting == .outbox)
    }
}

@Suite struct OutboxErasureTests {
    @Test func erasingARiderRemovesTheMessagesThatMentionThemOnly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deloton-erase-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let outbox = OutboxMailer(directory: folder)
        let theirs = try outbox.write(SampleMessages.alert(id: "ride-1@deloton", to: "gone@example.com"))
        let others = try outbox.write(SampleMessages.alert(id: "ride-2@deloton", to: "stays@example.com"))
        #expect(outbox.erase(mentioning: ["gone@example.com"]) == 1)
        #expect(!FileManager.default.fileExists(atPath: theirs.path))
        #expect(FileManager.default.fileExists(atPath: others.path))
        #expect(outbox.erase(mentioning: ["", "ab"]) == 0, "too short to identify anyone")
    }
}
