/// A column of a simple table. Numbers read best right-aligned, text left-aligned.
public struct TableColumn: Sendable, Hashable {
    public enum Alignment: Sendable, Hashable { case leading, trailing }

    public var title: String
    public var alignment: Alignment

    public init(_ title: String, alignment: Alignment = .leading) {
        self.title = title
        self.alignment = alignment
    }
}
