import Foundation

/// One email, independent of how it travels (SMTP or an `.eml` file).
///
/// `messageID` is supplied by the caller and must be stable for a given logical message
/// (an alert, a day's report): a message that is sent again after a crash then carries the
/// same `Message-ID`, so mail readers and the outbox treat it as the same message.
public struct EmailMessage: Sendable, Hashable {
    /// An image shown inside the HTML body, referenced there as `src="cid:<contentID>"`.
    public struct InlineImage: Sendable, Hashable {
        /// Without angle brackets, e.g. `hr-chart@deloton`.
        public var contentID: String
        public var mimeType: String
        public var data: [UInt8]
        /// Offered to readers that save the image; optional.
        public var filename: String?

        public init(contentID: String, mimeType: String, data: [UInt8], filename: String? = nil) {
            self.contentID = contentID
            self.mimeType = mimeType
            self.data = data
            self.filename = filename
        }
    }

    /// An additional header line, e.g. `X-Deloton-Ride: 17`.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public struct Attachment: Sendable, Hashable {
        public var filename: String
        public var mimeType: String
        public var data: [UInt8]

        public init(filename: String, mimeType: String, data: [UInt8]) {
            self.filename = filename
            self.mimeType = mimeType
            self.data = data
        }
    }

    public var from: EmailAddress
    public var to: [EmailAddress]
    public var cc: [EmailAddress]
    /// Receives the message through the SMTP envelope only; never written into the headers.
    public var bcc: [EmailAddress]
    public var subject: String
    public var date: Date
    /// With or without the angle brackets; `<ride-17@deloton>` and `ride-17@deloton` are the same id.
    public var messageID: String
    /// Written after the standard headers in this order. Names that the message builds itself
    /// (Date, From, To, Cc, Bcc, Subject, Message-ID, MIME-Version, Content-*) are ignored,
    /// because a second copy would make the structure ambiguous.
    public var extraHeaders: [Header]
    public var textBody: String
    public var htmlBody: String?
    public var inlineImages: [InlineImage]
    public var attachments: [Attachment]

    public init(
        from: EmailAddress,
        to: [EmailAddress],
        cc: [EmailAddress] = [],
        bcc: [EmailAddress] = [],
        subject: String,
        date: Date,
        messageID: String,
        extraHeaders: [Header] = [],
        textBody: String,
        htmlBody: String? = nil,
        inlineImages: [InlineImage] = [],
        attachments: [Attachment] = []
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.extraHeaders = extraHeaders
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.inlineImages = inlineImages
        self.attachments = attachments
    }

    /// Every envelope recipient once, in header order, Bcc last.
    public var recipients: [EmailAddress] {
        var seen = Set<String>()
        return (to + cc + bcc).filter { seen.insert($0.address.lowercased()).inserted }
    }

    /// The id without angle brackets or surrounding spaces.
    public var bareMessageID: String {
        var id = Substring(messageID.trimmingCharacters(in: .whitespacesAndNewlines))
        if id.hasPrefix("<") { id = id.dropFirst() }
        if id.hasSuffix(">") { id = id.dropLast() }
        return String(id)
    }

    /// The first problem that makes the message undeliverable, checked before any network
    /// traffic so that it is reported as a permanent failure with a precise reason.
    public func validationProblem() -> String? {
        if !from.isValid { return "the sender address \"\(from.address)\" is not a valid email address" }
        if recipients.isEmpty { return "the message has no recipient" }
        if let bad = recipients.first(where: { !$0.isValid }) {
            return "the recipient address \"\(bad.address)\" is not a valid email address"
        }
        if bareMessageID.isEmpty { return "the message has no Message-ID" }
        return nil
    }
}
