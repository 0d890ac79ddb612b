/// One line of a bike's log, as the stream writes it (see spec/stream-format.md §2).
public enum StreamLine: Sendable, Equatable {
    case beginningOfMain
    case beginningOfRide
    case gettingUserData(LocalDateTime)
    /// Boxed: a profile is many times the size of every other line, and a `StreamLine` is
    /// copied several times per line on the way to its assembler (those copies were 14 % of ingest).
    indirect case system(LocalDateTime, RiderProfile)
    case ride(LocalDateTime, duration: Int, resistance: Int)
    case telemetry(LocalDateTime, heartRate: Int, rpm: Int, power: Double)
}

/// The `[SYSTEM]` payload, checked field by field (`SystemPayload`).
///
/// A descriptive field that breaks its rule is `nil` (a number or date) or empty (text), and
/// the ride is kept; identity fields (`user_id`, `bike_serial`) are always valid here.
public struct RiderProfile: Sendable, Equatable, Codable {
    public var userID: Int
    public var name: String
    public var gender: String
    public var address: String
    public var dateOfBirthMs: Int64?
    public var email: String
    public var heightCm: Int?
    public var weightKg: Int?
    public var accountCreateDateMs: Int64?
    public var bikeSerial: String
    public var originalSource: String

    public init(userID: Int, name: String, gender: String, address: String, dateOfBirthMs: Int64?,
                email: String, heightCm: Int?, weightKg: Int?, accountCreateDateMs: Int64?,
                bikeSerial: String, originalSource: String) {
        self.userID = userID; self.name = name; self.gender = gender; self.address = address
        self.dateOfBirthMs = dateOfBirthMs; self.email = email; self.heightCm = heightCm
        self.weightKg = weightKg; self.accountCreateDateMs = accountCreateDateMs
        self.bikeSerial = bikeSerial; self.originalSource = originalSource
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", name, gender, address, dateOfBirthMs = "date_of_birth"
        case email = "email_address", heightCm = "height_cm", weightKg = "weight_kg"
        case accountCreateDateMs = "account_create_date", bikeSerial = "bike_serial"
        case originalSource = "original_source"
    }

    /// Whole years at `date`; `nil` when the birth date is unknown.
    public func age(on date: CivilDate) -> Int? {
        dateOfBirthMs.map { CivilDate(epochMilliseconds: $0).age(on: date) }
    }
}

/// A parsed message: the line, and the optional `"key"` member deloton's simulator writes.
public struct ParsedMessage: Sendable, Equatable {
    public var line: StreamLine
    public var key: String?
    /// Why descriptive `[SYSTEM]` fields were left out while the line itself was kept.
    public var refusedFields: String?

    public init(line: StreamLine, key: String? = nil, refusedFields: String? = nil) {
        self.line = line; self.key = key; self.refusedFields = refusedFields
    }
}

/// Why a message could not be read. Its text is stored with the quarantined line.
public struct ParseFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var key: String?
    public init(_ reason: String, key: String? = nil) { self.reason = reason; self.key = key }
    public var description: String { reason }
}
