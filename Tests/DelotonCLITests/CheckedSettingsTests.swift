import ArgumentParser
import DelotonCore
import DelotonNotify
import Foundation
import Testing
@testable import deloton

/// Settings are parsed once into checked values, before anything is built from them.
@Suite struct CheckedSettingsTests {
    @Test("a setting nobody gives takes the table's default, the one --help shows")
    func defaultsComeFromTheTable() throws {
        try #require(ProcessInfo.processInfo.environment["DELOTON_DATABASE_URL"] == nil)
        #expect(Env.text(.database, flag: nil) == SettingNames.entry(.database).defaultValue)
        #expect(try CommonOptions.parse([]).databaseURL == "sqlite:deloton.sqlite")
        #expect(Env.text(.database, flag: "sqlite:other.sqlite") == "sqlite:other.sqlite")
    }

    @Test("the mail route is checked without building a mailer, and says where mail goes without secrets")
    func routeIsCheckedNotBuilt() throws {
        let route = try MailOptions.parse(["--smtp", "smtp://ops:secret@relay.example:2525"]).checkedRoute()
        guard case .smtp = route else { Issue.record("expected an SMTP route, got \(route)"); return }
        #expect(route.description.contains("relay.example:2525"))
        #expect(!route.description.contains("secret"))
    }

    @Test("the schedule's settings are all checked up front: a bad time is a usage error naming its flag")
    func scheduleIsCheckedUpFront() throws {
        let route = try MailOptions.parse([]).checkedRoute(), sender = EmailAddress("alerts@example.com")
        let failure = #expect(throws: CLIFailure.self) {
            try ReportScheduleOptions.parse(["--at", "25:00"]).checked(route: route, sender: sender, requireRecipients: false)
        }
        #expect(failure?.code == 2)
        #expect(failure?.message.contains("--at 25:00") == true, "\(String(describing: failure?.message))")
        let checked = try ReportScheduleOptions.parse(["--at", "07:15", "--report-to", "ops@example.com"])
            .checked(route: route, sender: sender, requireRecipients: true)
        #expect(checked.recipients.map(\.address) == ["ops@example.com"])
    }
}
