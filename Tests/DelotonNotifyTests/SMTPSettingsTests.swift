import DelotonNotify
import Testing

@Suite("SMTPSettings(url:)")
struct SMTPSettingsTests {
    @Test func aRelayOnAnotherMachineDefaultsToPort25AndRequiredSTARTTLS() throws {
        let settings = try SMTPSettings(url: "smtp://mail.example.com")
        #expect(settings.host == "mail.example.com")
        #expect(settings.port == 25)
        #expect(settings.tls == .required)
        #expect(settings.username == nil && settings.password == nil)
    }

    @Test func onlyALocalRelayWithoutCredentialsIsOpportunisticByDefault() throws {
        for url in ["smtp://127.0.0.1:2525", "smtp://localhost", "smtp://[::1]:25"] {
            #expect(try SMTPSettings(url: url).tls == .opportunistic, "\(url)")
        }
        #expect(try SMTPSettings(url: "smtp://127.0.0.1:2525", username: "u", password: "p").tls == .required)
        #expect(try SMTPSettings(url: "smtp://u:p@localhost").tls == .required)
        #expect(try SMTPSettings(url: "smtp://127.0.0.1.example.net").tls == .required)
        #expect(SMTPSettings(host: "relay.example.com").tls == .required)
        // Only an explicit setting relaxes it.
        #expect(try SMTPSettings(url: "smtp://mail:1025?starttls=off").tls == .off)
        #expect(try SMTPSettings(url: "smtp://mail:1025?starttls=opportunistic").tls == .opportunistic)
    }

    @Test func smtpsIsImplicitTLSOnPort465() throws {
        let settings = try SMTPSettings(url: "smtps://relay.example.com")
        #expect(settings.port == 465)
        #expect(settings.tls == .implicit)
    }

    @Test func credentialsInTheURLArePercentDecodedAndWin() throws {
        let settings = try SMTPSettings(
            url: "smtp://bob%40corp:p%40ss:w%23rd@relay:587?starttls=required", username: "env-user", password: "env-pass")
        #expect(settings.username == "bob@corp")
        #expect(settings.password == "p@ss:w#rd")
        #expect(settings.port == 587)
        #expect(settings.tls == .required)
    }

    @Test func credentialsFromTheCallerFillIn() throws {
        let settings = try SMTPSettings(url: "smtp://relay:2525?starttls=off", username: "env-user", password: "env-pass")
        #expect(settings.username == "env-user")
        #expect(settings.password == "env-pass")
        #expect(settings.tls == .off)
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let settings = try SMTPSettings(url: "smtp://bob:hunter2@relay:587")
        #expect(!settings.description.contains("hunter2"))
        #expect(settings.description == "smtp://bob:***@relay:587?starttls=required")
        #expect(!"\(settings)".contains("hunter2"))
    }

    @Test func ipv6AndHeloName() throws {
        let settings = try SMTPSettings(url: "smtp://[::1]:2525/bikes.example.com")
        #expect(settings.host == "::1")
        #expect(settings.port == 2525)
        #expect(settings.heloName == "bikes.example.com")
    }

    @Test(arguments: [
        "mail.example.com", "http://mail.example.com", "smtp://", "smtp://host:0", "smtp://host:99999",
        "smtp://host:abc", "smtp://:secret@host", "smtp://host?starttls=maybe", "smtp://host?tls=1",
        "smtps://host?starttls=required", "smtp://ho st", "smtp://[::1", "smtp://host:",
    ])
    func malformedURLsGiveOneLineErrors(url: String) {
        #expect(throws: SMTPSettings.ParseError.self) { try SMTPSettings(url: url) }
        do {
            _ = try SMTPSettings(url: url)
        } catch {
            #expect(!error.message.contains("\n"))
            #expect(!error.message.contains("secret"))
            #expect(error.message.contains("SMTP URL"))
        }
    }
}
