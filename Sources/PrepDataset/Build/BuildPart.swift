/// `--part i/N`: which of N deterministic partitions of the source a build takes. A record belongs
/// to part `RecordKey.hash(key) % N`, so the parts are disjoint, cover the source, and do not
/// depend on where or in which order they run. `prep merge` combines the parts' datasets.
public struct BuildPart: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public static let whole = BuildPart(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/N` with 0 <= i < N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (0..<count).contains(index) else {
            throw DatasetError("--part takes i/N with 0 <= i < N, e.g. 0/4 (got '\(text)')")
        }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(key: String) -> Bool {
        count == 1 || Int(RecordKey.hash(key) % UInt64(count)) == index
    }
}
