import DelotonCore
import Testing

@Suite struct CleaningTests {
    @Test(arguments: [
        ("Mr Stuart Austin", "Mr", "Stuart", "Austin"),
        ("Mr. Stuart Austin", "Mr", "Stuart", "Austin"),
        ("Dr. Jane Wilson-Thomas", "Dr", "Jane", "Wilson-Thomas"),
        ("Mrs Ann B. Norris-King", "Mrs", "Ann", "Norris-King"),
        ("miss Sara Jones", "Miss", "Sara", "Jones"),
        ("Mx Sam Lee", "Mx", "Sam", "Lee"),
        ("Steven Pearce", nil, "Steven", "Pearce"),
        ("Jack A. Smith", nil, "Jack", "Smith"),
        ("Cher", nil, "Cher", ""),
        ("Ms", nil, "Ms", ""),
    ] as [(String, String?, String, String)])
    func names(full: String, title: String?, first: String, last: String) {
        let n = PersonName(parsing: full)
        #expect(n.title == title && n.firstName == first && n.lastName == last)
    }

    @Test func titleIsNeverInferredFromEmail() {
        var p = profile()
        p.name = "Stuart Austin"
        p.email = "mr.s@gmail.com"
        #expect(Rider(cleaning: p).title == nil)
    }

    @Test func threePartAddress() {
        let a = Address(parsing: "0 Simpson locks,Wilkinsonshire,E68 8SH")
        #expect(a == Address(lines: ["0 Simpson locks"], city: "Wilkinsonshire", postcode: "E68 8SH", postcodeValid: true))
    }

    @Test func fourPartAddress() {
        let a = Address(parsing: "Flat 98y,Carolyn haven,East Valeriemouth,s5t 0tt ")
        #expect(a == Address(lines: ["Flat 98y", "Carolyn haven"], city: "East Valeriemouth", postcode: "S5T 0TT", postcodeValid: true))
    }

    @Test(arguments: ["E68 8SH", "S5T 0TT", "SA4N 2PJ", "ZE3M 0ZH", "WR4V 7TA", "L0J 7ED", "B02 8EN", "HU78 3EZ", "A1 1AA"])
    func validPostcodes(_ p: String) { #expect(UKPostcode.isValid(p)) }

    @Test(arguments: ["", "E688SH", "1A 1AA", "ABCD 1AA", "E68 88H", "E68  8SH", "E68 8S", "e68 8sh"])
    func invalidPostcodes(_ p: String) { #expect(!UKPostcode.isValid(p)) }

    @Test func invalidPostcodeIsKeptAndFlagged() {
        let a = Address(parsing: "1 High St,London,NOT A CODE")
        #expect(a.postcode == "NOT A CODE" && !a.postcodeValid)
    }

    @Test func epochDates() {
        #expect(CivilDate(epochMilliseconds: -842_140_800_000) == CivilDate(year: 1943, month: 4, day: 26))
        #expect(CivilDate(epochMilliseconds: 273_715_200_000) == CivilDate(year: 1978, month: 9, day: 4))
        #expect(CivilDate(epochMilliseconds: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(epochMilliseconds: -1) == CivilDate(year: 1969, month: 12, day: 31))
    }

    @Test func ages() {
        let birth = CivilDate(year: 1980, month: 6, day: 15)
        #expect(birth.age(on: CivilDate(year: 2020, month: 6, day: 14)) == 39)
        #expect(birth.age(on: CivilDate(year: 2020, month: 6, day: 15)) == 40)
    }

    @Test func genderOtherIsKeptAsGiven() {
        var p = profile()
        p.gender = "non-binary"
        #expect(Rider(cleaning: p).gender == "non-binary")
        #expect(Gender("non-binary") == .other && Gender("Female") == .female)
    }

    func profile() -> RiderProfile {
        RiderProfile(userID: 1, name: "A B", gender: "male", address: "1 a,b,E1 1AA", dateOfBirthMs: 0, email: "a@b.c",
                     heightCm: 170, weightKg: 70, accountCreateDateMs: 0, bikeSerial: "SN0000", originalSource: "direct")
    }
}

@Suite struct ZoneTests {
    @Test func londonSummerAndWinter() throws {
        var z = try #require(Zone(identifier: "Europe/London"))
        let summer = z.instant(of: LocalDateTime(year: 2022, month: 7, day: 6, hour: 23, minute: 29, second: 35))
        #expect(z.iso8601(summer) == "2022-07-06T23:29:35.000+01:00")
        let winter = z.instant(of: LocalDateTime(year: 2022, month: 12, day: 1, hour: 8, minute: 0, second: 0))
        #expect(z.iso8601(winter) == "2022-12-01T08:00:00.000Z")
    }

    @Test func ambiguousAutumnHourTakesTheEarlierOffset() throws {
        var z = try #require(Zone(identifier: "Europe/London"))
        let t = z.instant(of: LocalDateTime(year: 2022, month: 10, day: 30, hour: 1, minute: 30, second: 0))
        #expect(z.iso8601(t) == "2022-10-30T01:30:00.000+01:00")
    }

    @Test func skippedSpringTimeMovesForward() throws {
        var z = try #require(Zone(identifier: "Europe/London"))
        let t = z.instant(of: LocalDateTime(year: 2022, month: 3, day: 27, hour: 1, minute: 30, second: 0))
        #expect(z.iso8601(t) == "2022-03-27T02:30:00.000+01:00")
    }

    @Test func dayIntervalAcrossClockChange() throws {
        let z = try #require(Zone(identifier: "Europe/London"))
        let day = z.interval(of: CivilDate(year: 2022, month: 3, day: 27))
        #expect(day.upperBound.microseconds - day.lowerBound.microseconds == 23 * 3_600_000_000)
    }
}
