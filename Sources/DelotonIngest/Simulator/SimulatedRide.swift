import DelotonCore
import Foundation

/// One ride the simulator will write, with the truth the assembler must give back.
public struct SimulatedRide: Sendable, Equatable {
    public var profile: RiderProfile
    /// The wall time of the "Getting user data" line, in the stream's zone.
    public var start: LocalDateTime
    /// Per second: (heart rate, rpm, resistance); power follows from rpm and resistance.
    public var seconds: [(hr: Int, rpm: Int, resistance: Int)]

    public static func == (a: SimulatedRide, b: SimulatedRide) -> Bool {
        a.profile == b.profile && a.start == b.start && a.seconds.elementsEqual(b.seconds, by: { $0 == $1 })
    }

    /// The bike's power model, fitted to the real capture (shared/data/real-sample.jsonl, 498
    /// readings): ln P = a + b ln rpm + c ln resistance + d ln rpm ln resistance by least squares,
    /// 4 % mean error per reading. It gives 12.8 W at 48 rpm and resistance 30 (the capture's
    /// baseline: 12.3 W) and 568 W at 112 rpm and 170 (its high block: 578 W).
    public static func power(rpm: Int, resistance: Int) -> Double {
        guard rpm > 0, resistance > 0 else { return 0 }
        let r = log(Double(rpm)), k = log(Double(resistance))
        let watts = exp(-7.486_696 + 1.424_353 * r + 1.076_042 * k + 0.065_336 * r * k)
        return (watts * 1_000_000_000).rounded() / 1_000_000_000
    }

    /// The cadence riders keep at a resistance, from the capture: about 48 rpm at the baseline
    /// of 30, 76 at 99 and 112 in the 170 block (they pedal faster when the bike asks for more).
    static func cadence(at resistance: Int) -> Double {
        let points: [(Double, Double)] = [(0, 0), (30, 48), (99, 76), (170, 112)]
        let k = Double(resistance)
        guard let upper = points.firstIndex(where: { $0.0 >= k }) else { return 112 + (k - 170) * 0.5 }
        guard upper > 0 else { return 0 }
        let (k0, c0) = points[upper - 1], (k1, c1) = points[upper]
        return c0 + (c1 - c0) * (k - k0) / (k1 - k0)
    }
}

/// Riders, bikes and rides that look like the real stream (stream-format.md): durations about
/// 8.5 minutes, a resistance programme, hr = 0 at the start and in short dropouts, riders who
/// come back (never on two bikes at once), both genders, ages mostly 30 to 65 (18 to 78), a
/// heart that follows effort and age (`HeartModel`), and now and then a heart rate that leaves
/// the safe range.
public struct RideGenerator: Sendable {
    public var random: SeededRandom
    /// Chance that a ride contains an out-of-range heart-rate stretch.
    public var excursionChance: Double
    private var riders: [RiderProfile] = []
    /// When each rider's latest ride ends (naive microseconds): a rider rides one bike at a time.
    private var busyUntil: [Int: Int64] = [:]
    private var nextUserID = 1000

    public init(seed: UInt64, excursionChance: Double = 0.15) {
        random = SeededRandom(seed: seed)
        self.excursionChance = excursionChance
    }

    static let firstNames = [("male", ["James", "Oliver", "Harry", "Jack", "George", "Noah", "Stuart", "Brian", "Steven", "Aaron"]),
                             ("female", ["Amelia", "Olivia", "Isla", "Emily", "Charlene", "Sara", "Carole", "Ava", "Mia", "Grace"])]
    static let lastNames = ["Smith", "Jones", "Taylor", "Brown", "Wilson-Thomas", "Norris-King", "Pearce", "Austin", "Evans", "O'Neill"]
    static let streets = ["Simpson locks", "Carolyn haven", "Stuart turnpike", "Linda spring", "Grace lane", "Mill road"]
    static let cities = ["Wilkinsonshire", "East Valeriemouth", "South Owenshire", "Port Aaron", "Lake Emilyton"]
    static let sources = ["direct", "offline", "google ads", "facebook"]
    /// Reserved for examples (RFC 2606), as interface.md promises: no demo or back-fill can mail a stranger.
    static let domains = ["example.com", "example.org", "example.net"]

    /// The next ride for `bike`, starting at `start` (local wall time of the stream), `seconds` long (at least 3).
    public mutating func nextRide(bike: String, start: LocalDateTime, seconds length: Int) -> SimulatedRide {
        var profile: RiderProfile
        let returning = riders.isEmpty ? nil : riders[Int.random(in: 0..<riders.count, using: &random)]
        if Double.random(in: 0..<1, using: &random) < 0.35, let returning,
           busyUntil[returning.userID, default: .min] < start.naiveMicroseconds {
            profile = returning
        } else {
            profile = newRider(on: start.date)
            riders.append(profile)
            if riders.count > 500 { riders.removeFirst() }
        }
        profile.bikeSerial = bike
        let ride = SimulatedRide(profile: profile, start: start, seconds: seconds(max(3, length), for: profile, on: start.date))
        busyUntil[profile.userID] = ride.endTime.naiveMicroseconds
        return ride
    }

    private mutating func newRider(on day: CivilDate) -> RiderProfile {
        let id = nextUserID
        nextUserID += 1
        let gender = Bool.random(using: &random) ? "male" : "female"
        let firsts = Self.firstNames.first { $0.0 == gender }?.1 ?? []
        let first = firsts[Int.random(in: 0..<firsts.count, using: &random)]
        let last = Self.lastNames[Int.random(in: 0..<Self.lastNames.count, using: &random)]
        let title: String? = switch Int.random(in: 0..<6, using: &random) {
        case 0: gender == "male" ? "Mr" : "Mrs"
        case 1: "Dr."
        case 2: gender == "male" ? "Mr." : "Miss"
        default: nil
        }
        let name = [title, first, last].compactMap { $0 }.joined(separator: " ")
        // The sum of two uniform draws: most riders between 30 and 65, about one in ten 65 or
        // older, none under 18 (the capture's riders were 23 to 79).
        let age = 18 + Int.random(in: 0...30, using: &random) + Int.random(in: 0...30, using: &random)
        let birth = CivilDate(year: day.year - age, month: Int.random(in: 1...12, using: &random), day: Int.random(in: 1...28, using: &random))
        let domain = Self.domains[Int.random(in: 0..<Self.domains.count, using: &random)]
        let email = (title.map { "\($0.lowercased().replacingDots()).\(first.prefix(1).lowercased())" }
                     ?? "\(first.lowercased())_\(last.lowercased())\(Int.random(in: 1...99, using: &random))") + "@" + domain
        let n = Int.random(in: 0...99, using: &random)
        let street = Self.streets[Int.random(in: 0..<Self.streets.count, using: &random)]
        let city = Self.cities[Int.random(in: 0..<Self.cities.count, using: &random)]
        let letters = Array("ABCDEFGHJKLMNPRSTUWYZ")
        func letter() -> Character { letters[Int.random(in: 0..<letters.count, using: &random)] }
        let postcode = "\(letter())\(Int.random(in: 1...99, using: &random)) \(Int.random(in: 0...9, using: &random))\(letter())\(letter())"
        let address = Bool.random(using: &random)
            ? "\(String(format2: n)) \(street),\(city),\(postcode)"
            : "Flat \(n)\(letter().lowercased()),\(street),\(city),\(postcode)"
        return RiderProfile(
            userID: id, name: name, gender: gender, address: address,
            dateOfBirthMs: Int64(birth.daysSinceEpoch) * 86_400_000, email: email,
            heightCm: Int.random(in: 150...195, using: &random), weightKg: Int.random(in: 45...110, using: &random),
            accountCreateDateMs: Int64(CivilDate(year: 2022, month: 1, day: 1).daysSinceEpoch + Int.random(in: 0...120, using: &random)) * 86_400_000,
            bikeSerial: "", originalSource: Self.sources[Int.random(in: 0..<Self.sources.count, using: &random)])
    }

    private mutating func seconds(_ length: Int, for profile: RiderProfile, on day: CivilDate) -> [(hr: Int, rpm: Int, resistance: Int)] {
        let age = profile.age(on: day)
        let range = SafeRange(age: age, gender: Gender(profile.gender))
        var heart = HeartModel(age: age, gender: Gender(profile.gender), weightKg: profile.weightKg,
                               resting: Double.random(in: 58...80, using: &random))
        let noContact = Int.random(in: 2...8, using: &random)
        let blockStart = length > 150 ? Int.random(in: 100...max(101, length - 40), using: &random) : -1
        let blockResistance = [99, 151, 162, 170][Int.random(in: 0..<4, using: &random)]
        let excursion: Range<Int>? = Double.random(in: 0..<1, using: &random) < excursionChance && length > 60
            ? { let s = Int.random(in: 30...(length - 20), using: &random); return s..<(s + Int.random(in: 4...12, using: &random)) }()
            : nil
        let excursionHigh = Bool.random(using: &random)
        var out: [(hr: Int, rpm: Int, resistance: Int)] = []
        out.reserveCapacity(length)
        var rpm = 0.0
        for t in 1...length {
            let resistance = t <= 2 ? 0 : (blockStart > 0 && (blockStart..<(blockStart + 20)).contains(t) ? blockResistance : 30)
            let cadenceGoal = t < 4 ? 0.0 : SimulatedRide.cadence(at: max(30, resistance))
            rpm += (cadenceGoal - rpm) * 0.3 + Double.random(in: -3...3, using: &random)
            rpm = max(0, min(150, rpm))
            let shownRPM = t < 4 ? 0 : Int(rpm.rounded())
            let hr = heart.step(power: SimulatedRide.power(rpm: shownRPM, resistance: resistance)) + Double.random(in: -1.5...1.5, using: &random)
            var shownHR = Int(hr.rounded())
            if let e = excursion, e.contains(t) {
                shownHR = excursionHigh ? Int(range.maximum) + Int.random(in: 3...20, using: &random)
                                        : max(1, Int(range.minimum) - Int.random(in: 1...5, using: &random))
            }
            if t <= noContact || Int.random(in: 0..<200, using: &random) == 0 { shownHR = 0 }
            out.append((shownHR, shownRPM, resistance))
        }
        return out
    }
}

extension String {
    init(format2 n: Int) { self = n < 10 ? "0\(n)" : String(n) }
    func replacingDots() -> String { String(filter { $0 != "." }) }
}
