/// One row of `samples`: a source row and what became of it.
public struct SampleRow: Equatable, Sendable {
    public var sourceRow: Int
    public var key: String?
    public var imagePath: String?
    public var depthPath: String?
    public var caption: String?
    public var captionDropped: Bool?
    public var width: Int?
    public var height: Int?
    public var originalWidth: Int?
    public var originalHeight: Int?
    public var sourceSHA256: String?
    /// The decoded image's perceptual hash (`PerceptualHash`), 16 hex digits; only with `--dedup near`.
    public var dhash: String?
    public var error: String?   // nil = ok
    public var shard: String?

    public var isOK: Bool { error == nil }

    public init(sourceRow: Int, key: String?) {
        self.sourceRow = sourceRow
        self.key = key
    }
}

/// One row of `members`: where a member's bytes are.
public struct MemberRow: Equatable, Sendable {
    public var key: String
    public var member: String
    public var shard: String
    public var offset: Int64
    public var size: Int
}

/// One row of `stages`: how a condition stage ran on a record.
public struct StageRow: Equatable, Sendable {
    public var key: String
    public var stage: String
    public var skipReason: String?   // nil = ok
    public var density: Double
    public var parametersJSON: String
}

/// One row of `shards`.
public struct ShardRow: Equatable, Sendable {
    public var name: String
    public var records: Int
    public var bytes: Int64
    public var sha256: String
}
