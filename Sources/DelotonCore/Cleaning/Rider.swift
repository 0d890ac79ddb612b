/// A rider as the warehouse keeps them: the `[SYSTEM]` profile, cleaned (domain.md, Cleaning).
public struct Rider: Sendable, Equatable, Codable {
    public var id: Int
    /// The name exactly as given, title included.
    public var name: String
    public var title: String?
    public var firstName: String
    public var lastName: String
    /// As given; `male` and `female` are recognised, anything else counts as "other".
    public var gender: String
    // Unknown (nil) when the stream's value broke its rule (SystemPayload).
    public var dateOfBirth: CivilDate?
    public var email: String
    public var address: Address
    public var heightCm: Int?
    public var weightKg: Int?
    public var accountCreated: CivilDate?
    public var originalSource: String

    public init(id: Int, name: String, title: String?, firstName: String, lastName: String, gender: String,
                dateOfBirth: CivilDate?, email: String, address: Address, heightCm: Int?, weightKg: Int?,
                accountCreated: CivilDate?, originalSource: String) {
        self.id = id; self.name = name; self.title = title; self.firstName = firstName
        self.lastName = lastName; self.gender = gender; self.dateOfBirth = dateOfBirth; self.email = email
        self.address = address; self.heightCm = heightCm; self.weightKg = weightKg
        self.accountCreated = accountCreated; self.originalSource = originalSource
    }

    public init(cleaning p: RiderProfile) {
        let name = PersonName(parsing: p.name)
        self.init(id: p.userID, name: p.name, title: name.title, firstName: name.firstName, lastName: name.lastName,
                  gender: p.gender.trimmingSpaces(), dateOfBirth: p.dateOfBirthMs.map(CivilDate.init(epochMilliseconds:)),
                  email: p.email.trimmingSpaces(), address: Address(parsing: p.address), heightCm: p.heightCm,
                  weightKg: p.weightKg, accountCreated: p.accountCreateDateMs.map(CivilDate.init(epochMilliseconds:)),
                  originalSource: p.originalSource)
    }
}

public enum Gender: String, Sendable {
    case male, female, other

    public init(_ given: String) {
        switch given.lowercased() {
        case "male": self = .male
        case "female": self = .female
        default: self = .other
        }
    }
}

/// A name split into title, first and last name. The full name is kept elsewhere as given.
public struct PersonName: Sendable, Equatable {
    public var title: String?
    public var firstName: String
    public var lastName: String

    static let titles = ["Mr", "Mrs", "Miss", "Ms", "Dr", "Mx"]

    public init(parsing full: String) {
        var words = full.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        title = nil
        if words.count > 1, let first = words.first {
            let bare = first.hasSuffix(".") ? String(first.dropLast()) : first
            if let t = Self.titles.first(where: { $0.equalsIgnoringCase(bare) }) {
                title = t
                words.removeFirst()
            }
        }
        firstName = words.first ?? ""
        lastName = words.count > 1 ? words[words.count - 1] : ""
    }
}

/// `number street,city,postcode` or `Flat 9x,street,city,postcode`: the last part is the
/// postcode, the one before it the city, the rest are address lines.
public struct Address: Sendable, Equatable, Codable {
    public var lines: [String]
    public var city: String
    public var postcode: String
    public var postcodeValid: Bool

    public init(lines: [String], city: String, postcode: String, postcodeValid: Bool) {
        self.lines = lines; self.city = city; self.postcode = postcode; self.postcodeValid = postcodeValid
    }

    public init(parsing given: String) {
        var parts = given.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        let postcode = parts.count > 1 ? parts.removeLast().uppercased() : ""
        let city = parts.count > 1 ? parts.removeLast() : ""
        self.init(lines: parts.filter { !$0.isEmpty }, city: city, postcode: postcode,
                  postcodeValid: UKPostcode.isValid(postcode))
    }
}

/// The shape of a UK postcode: `A9 9AA`, `A99 9AA`, `A9A 9AA`, `AA9 9AA`, `AA99 9AA`, `AA9A 9AA`.
/// The stream's postcodes are synthetic; many fail a stricter real-world check and are still kept.
public enum UKPostcode {
    public static func isValid(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func letter(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
        func digit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        guard let space = b.firstIndex(of: 0x20), b.count - space == 4 else { return false }
        let outward = b[..<space], inward = b[(space + 1)...]
        guard inward.count == 3, digit(inward[inward.startIndex]),
              letter(inward[inward.startIndex + 1]), letter(inward[inward.startIndex + 2]) else { return false }
        let o = Array(outward)
        switch o.count {
        case 2: return letter(o[0]) && digit(o[1])
        case 3: return letter(o[0]) && ((digit(o[1]) && (digit(o[2]) || letter(o[2]))) || (letter(o[1]) && digit(o[2])))
        case 4: return letter(o[0]) && letter(o[1]) && digit(o[2]) && (digit(o[3]) || letter(o[3]))
        default: return false
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

extension StringProtocol {
    func equalsIgnoringCase(_ other: some StringProtocol) -> Bool { lowercased() == other.lowercased() }
}
