import PrepImage

/// What a stage may read: the record's image and, when the source has one, its depth map, both
/// already resized and cropped to the record's training geometry (same width and height).
public struct StageInput: Sendable {
    public var image: Image
    public var depth: DepthMap?

    public init(image: Image, depth: DepthMap? = nil) {
        self.image = image
        self.depth = depth
    }
}

/// A value a stage records about how it ran (thresholds drawn, lines found, ...). Stored in the
/// record's JSON member and in the index, so stats can show their distributions.
public enum StageParameter: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    /// The value as a JSON-compatible Foundation-free scalar, for encoders.
    public var numericValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        case .bool(let value): return value ? 1 : 0
        case .string: return nil
        }
    }
}

/// What a stage produced for one record.
public struct StageResult: Sendable {
    /// The conditioning image, the record's size, 1 (gray) or 3 (RGB) channels. Written as `KEY.<stage>.png`.
    public var condition: Image
    /// Parameter name -> value. Every run of a stage reports the same names.
    public var parameters: [String: StageParameter]

    public init(condition: Image, parameters: [String: StageParameter]) {
        self.condition = condition
        self.parameters = parameters
    }
}

/// Raised by a stage that cannot run on a record; the record fails with this reason.
public struct StageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A conditioning stage: a value holding its options, and a function from a record's images to one
/// condition image. No file I/O, no global state; randomness only from the record's generator.
public protocol ConditionStage: Sendable {
    /// The stage's name: the member suffix (`KEY.<name>.png`) and the `--stages` word.
    var name: String { get }
    /// Whether the stage reads the record's depth map. A record without one gets the stage's
    /// placeholder (see `placeholder(width:height:)`) and the stage is recorded as skipped.
    var needsDepth: Bool { get }
    /// Channels of the condition image: 1 or 3.
    var outputChannels: Int { get }
    /// The parameters `run` reports, with the neutral values a skipped record lists instead.
    /// JSON loaders (HF `datasets`, pyarrow) infer one type per field from the first records, so a
    /// skipped record must carry values of the same types, never null.
    var skippedParameters: [String: StageParameter] { get }

    func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult
}

extension ConditionStage {
    /// The image written for a record the stage skipped: all zeros (black), the record's size.
    /// Every record of a dataset keeps the same members (HF `datasets` requires it); the index and
    /// the JSON member say the stage was skipped and why, so loaders can filter such records.
    public func placeholder(width: Int, height: Int) -> Image {
        Image(width: width, height: height, channels: outputChannels)
    }
}
