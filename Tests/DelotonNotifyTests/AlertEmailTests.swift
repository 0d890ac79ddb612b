import DelotonCore
@testable import DelotonNotify
import DelotonStore
import Foundation
import Testing

@Suite("AlertEmail")
struct AlertEmailTests {
    let zone = Zone(identifier: "Europe/London")!

    private func storedAlert(_ w: AlertWarehouse, _ profile: RiderProfile = AlertScript.profile()) async throws -> OutboxAlert {
        let id = try #require(try await w.alerts([profile]).first)
        return try #require(try await w.outbox.alert(id: id))
    }

    @Test func outboxRowCarriesTheRideAndReadings() async throws {
        try await AlertWarehouse.with { w in
            let alert = try await storedAlert(w)
            #expect(alert.status == .pending && alert.attempts == 0)
            #expect(alert.recipient == "rider@example.com" && alert.riderName == "Mr Test Rider")
            #expect(alert.samples.map(\.heartRate) == [193, 194, 195])
            #expect(alert.samples.map(\.elapsed) == [3, 4, 5])
            #expect(alert.safeRange == SafeRange(age: 32, gender: .male))
            #expect(alert.bikeSerial == "SN0000" && alert.age == 32)
            #expect(alert.raisedAt == alert.samples[2].time)
        }
    }

    @Test func messageHasEverythingTheRiderNeeds() async throws {
        try await AlertWarehouse.with { w in
            let alert = try await storedAlert(w)
            let message = AlertEmail(alert: alert, zone: zone).riderMessage(from: AlertTesting.sender, date: Date())
            let parsed = try await ParsedEmail.parse(message.rfc5322())
            #expect(parsed.defects.isEmpty, "\(parsed.defects)")
            #expect(parsed.to == [.init(name: "Mr Test Rider", address: "rider@example.com")])
            #expect(parsed.subject.lowercased().contains("abnormal heart rate"))
            #expect(parsed.subject == "Abnormal heart rate during your ride on Wed 6 Jul 2022 10:00", "\(parsed.subject)")
            #expect(parsed.structure == "multipart/alternative(text/plain,text/html)")
            #expect(parsed.messageID == "<alert-7-SN0000-\(alert.rideStartedAt.microseconds)@deloton>")
            #expect(parsed.headers.contains(["Auto-Submitted", "auto-generated"]))
            let text = try #require(parsed.parts.first?.text)
            // Shown in the display zone: 10:00 London is 09:00 UTC in July.
            #expect(text.contains("Wednesday 6 July 2022 at 10:00:01 (BST)"), "\(text)")
            for hr in [193, 194, 195] { #expect(text.contains("\(hr) bpm (above 188)")) }
            #expect(text.contains("32-year-old male rider is 40 to 188 beats per minute"))
            #expect(text.contains("stop exercising now and seek medical help"))
            #expect(text.contains("bike SN0000"))
            let html = try #require(parsed.parts.last?.text)
            #expect(html.contains("<strong>195 bpm</strong>") && html.contains("40 to 188 beats per minute"))
            #expect(html.contains("seek medical help"))
        }
    }

    @Test func nonAsciiNamesAreEncodedAndHTMLIsEscaped() async throws {
        let name = "Dr Zoë <Ångström> & Łukasiewicz"
        try await AlertWarehouse.with { w in
            let alert = try await storedAlert(w, AlertScript.profile(name: name, gender: "female", email: "zoe@example.com"))
            let email = AlertEmail(alert: alert, zone: zone)
            let raw = email.riderMessage(from: AlertTesting.sender, date: Date()).rfc5322()
            // Headers are 7-bit: the name travels as an RFC 2047 encoded-word.
            let headerEnd = try #require(String(decoding: raw, as: UTF8.self).range(of: "\r\n\r\n"))
            let headers = String(decoding: raw, as: UTF8.self)[..<headerEnd.lowerBound]
            #expect(headers.utf8.allSatisfy { $0 < 0x80 })
            #expect(headers.contains("=?UTF-8?B?"))
            let parsed = try await ParsedEmail.parse(raw)
            #expect(parsed.defects.isEmpty, "\(parsed.defects)")
            #expect(parsed.to == [.init(name: name, address: "zoe@example.com")])
            #expect(parsed.parts.first?.text?.contains("Dear \(name),") == true)
            let html = try #require(parsed.parts.last?.text)
            #expect(html.contains("Dr Zoë &lt;Ångström&gt; &amp; Łukasiewicz"))
            #expect(!html.contains("<Ångström>"))
            // A 32-year-old woman: 206 − 0.88 × 32 = 177.84.
            #expect(html.contains("45 to 177.84 beats per minute"))
        }
    }

    @Test func messageIDIsStableAcrossWarehousesAndStaffCopiesDiffer() async throws {
        let a1 = try await AlertWarehouse.with { try await storedAlert($0) }
        // A second warehouse that saw another ride first gives the ride another row id...
        let a2 = try await AlertWarehouse.with { w2 in
            _ = try await w2.alerts([AlertScript.profile(id: 99, bike: "SN0099")])
            return try await storedAlert(w2)
        }
        #expect(a1.rideID != a2.rideID)
        // ...but the same Message-ID, because it is made of the ride key.
        let e1 = AlertEmail(alert: a1, zone: zone), e2 = AlertEmail(alert: a2, zone: zone)
        #expect(e1.messageID == e2.messageID)
        let staff = EmailAddress("nurse@example.com")
        #expect(e1.staffMessageID(for: staff) == e2.staffMessageID(for: EmailAddress("Nurse@Example.com")))
        #expect(e1.staffMessageID(for: staff) != e1.messageID)
        #expect(e1.staffMessageID(for: staff) != e1.staffMessageID(for: EmailAddress("doctor@example.com")))
        let copy = e1.staffMessage(to: staff, from: AlertTesting.sender, date: Date())
        let parsed = try await ParsedEmail.parse(copy.rfc5322())
        #expect(parsed.to.map(\.address) == ["nurse@example.com"])
        #expect(parsed.subject.hasPrefix("[Staff copy] Abnormal heart rate: Mr Test Rider"))
        #expect(parsed.parts.first?.text?.contains("rider@example.com") == true)
    }

    @Test func replayOfTheRideRaisesNoSecondAlert() async throws {
        try await AlertWarehouse.with { w in
            let lines = AlertScript.alertingRide(AlertScript.profile())
            let first = try await w.ingest(lines), replay = try await w.ingest(lines)
            #expect(first.newAlertIDs.count == 1 && replay.newAlertIDs.isEmpty)
            let counts = try await w.outbox.counts()
            #expect(counts == [.pending: 1, .sent: 0, .failed: 0])
        }
    }
}

/// The small words of the alert email.
@Suite struct AlertEmailWordingTests {
    @Test func articlesFollowHowTheAgeIsSpoken() {
        #expect(AlertEmail.withArticle("18-year-old male rider") == "an 18-year-old male rider")
        #expect(AlertEmail.withArticle("8-year-old rider") == "an 8-year-old rider")
        #expect(AlertEmail.withArticle("83-year-old rider") == "an 83-year-old rider")
        #expect(AlertEmail.withArticle("11-year-old rider") == "an 11-year-old rider")
        #expect(AlertEmail.withArticle("32-year-old rider") == "a 32-year-old rider")
        #expect(AlertEmail.withArticle("1-year-old rider") == "a 1-year-old rider")
    }

    @Test func zonesHaveTheirOwnNames() {
        #expect(ZoneNames(identifier: "Europe/London") == ZoneNames(standard: "GMT", daylight: "BST"))
        #expect(ZoneNames(identifier: "America/New_York") == ZoneNames(standard: "EST", daylight: "EDT"))
        #expect(ZoneNames(identifier: "UTC") == ZoneNames(standard: "UTC", daylight: nil))
        #expect(ZoneNames(identifier: "America/Sao_Paulo") == nil, "numbers only: the offset is shown")
        #expect(ZoneNames(identifier: "../../etc/passwd") == nil)
    }
}
