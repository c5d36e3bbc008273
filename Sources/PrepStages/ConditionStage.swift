import PrepImage

/// What a stage may read: the record's image and, when the source has them, its depth map and a
/// given soft boundary map (real HED/PiDiNet output, 1 or 3 channels), all already resized and cropped
/// to the record's training geometry (same width and height).
public struct StageInput: Sendable {
    /// Fixed at creation: `shared` works from it.
    public let image: Image
    public var depth: DepthMap?
    public var boundary: Image?
    /// Work on `image` that several stages need, done by the first that asks (one record's
    /// stages run on one thread, one after another).
    public let shared: SharedImageWork

    public init(image: Image, depth: DepthMap? = nil, boundary: Image? = nil) {
        self.image = image
        self.depth = depth
        self.boundary = boundary
        shared = SharedImageWork(image: image)
    }
}

/// Results several stages compute from the same record image, kept after the first use: the
/// Canny gradients (the canny stage's edges and the hough stage's edges differ only in their
/// thresholds) and the edge maps themselves. Not for concurrent use: a record's stages run one
/// after another.
public final class SharedImageWork: @unchecked Sendable {
    private let image: Image
    private var gradients: CannyGradients?

    init(image: Image) { self.image = image }

    /// `Canny.gradients(image)`, computed once.
    public var cannyGradients: CannyGradients {
        if let gradients { return gradients }
        let computed = Canny.gradients(image)
        gradients = computed
        return computed
    }

    private var edgeMaps: [CannyThresholds: Image] = [:]

    /// `Canny.edges(image, low:, high:)` from the shared gradients, remembered per pair of
    /// (floored, ordered) thresholds: when the hough stage's Canny thresholds equal the ones the
    /// canny stage drew, it reuses that edge map.
    public func cannyEdges(low: Double, high: Double) -> Image {
        let key = CannyThresholds(Canny.integerThresholds(low: low, high: high))
        if let edges = edgeMaps[key] { return edges }
        let edges = Canny.edges(cannyGradients, low: low, high: high)
        edgeMaps[key] = edges
        return edges
    }

    private struct CannyThresholds: Hashable {
        let low: Int
        let high: Int
        init(_ pair: (low: Int, high: Int)) { (low, high) = pair }
    }
}

/// A conditioning image as a stage produces it: 8-bit gray or RGB, or 16-bit gray (depth).
public enum Condition: Sendable, Equatable {
    case image(Image)
    case depth(DepthMap)

    public var width: Int {
        switch self {
        case .image(let image): return image.width
        case .depth(let depth): return depth.width
        }
    }

    public var height: Int {
        switch self {
        case .image(let image): return image.height
        case .depth(let depth): return depth.height
        }
    }

    /// Fraction of pixels with any non-zero channel.
    public var density: Double {
        let pixelCount = width * height
        guard pixelCount > 0 else { return 0 }
        let nonZero: Int
        switch self {
        case .image(let image):
            nonZero = image.pixels.withUnsafeBufferPointer { pixels in
                image.channels == 1
                    ? Self.countNonZero(UnsafeRawPointer(pixels.baseAddress!), bytes: pixelCount)
                    : Self.countNonZeroPixels(pixels.baseAddress!, count: pixelCount)
            }
        case .depth(let depth):
            nonZero = depth.values.withUnsafeBufferPointer { values in
                var count = 0
                for value in values { count &+= value == 0 ? 0 : 1 }
                return count
            }
        }
        return Double(nonZero) / Double(pixelCount)
    }
}

extension Condition {
    /// Non-zero bytes, 16 at a time: each lane counts up to 255 blocks before the lanes are added.
    static func countNonZero(_ bytes: UnsafeRawPointer, bytes count: Int) -> Int {
        var total = 0, i = 0
        while i + 16 <= count {
            var lanes = SIMD16<UInt8>()
            let blockEnd = min(count, i + 255 * 16)
            while i + 16 <= blockEnd {
                let v = bytes.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                lanes &+= (v | (SIMD16<UInt8>() &- v)) &>> 7  // 1 where v != 0: its negation or itself has the top bit
                i += 16
            }
            for lane in 0..<16 { total += Int(lanes[lane]) }
        }
        let tail = bytes.assumingMemoryBound(to: UInt8.self)
        while i < count {
            total += tail[i] != 0 ? 1 : 0
            i += 1
        }
        return total
    }

    /// RGB pixels with any non-zero channel, without branches.
    static func countNonZeroPixels(_ pixels: UnsafePointer<UInt8>, count: Int) -> Int {
        var total: UInt32 = 0
        for i in 0..<count {
            let any = pixels[3 * i] | pixels[3 * i + 1] | pixels[3 * i + 2]
            total &+= UInt32((any | (0 &- any)) >> 7)  // top bit set exactly when any != 0
        }
        return Int(total)
    }
}

/// The kind of image a stage writes, for placeholders.
public enum ConditionKind: Sendable {
    case gray, rgb, gray16

    /// All zeros (black) of this kind.
    public func blank(width: Int, height: Int) -> Condition {
        switch self {
        case .gray: return .image(Image(width: width, height: height, channels: 1))
        case .rgb: return .image(Image(width: width, height: height, channels: 3))
        case .gray16: return .depth(DepthMap(width: width, height: height, values: [UInt16](repeating: 0, count: width * height)))
        }
    }
}

/// A value a stage records about how it ran (thresholds drawn, lines found, ...). Stored in the
/// record's JSON member and in the index, so stats can show their distributions.
public enum StageParameter: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
}

/// What a stage produced for one record.
public struct StageResult: Sendable {
    /// The conditioning image, the record's size. Written as `KEY.<stage>.png`.
    public var condition: Condition
    /// Parameter name -> value. Every run of a stage reports the same names and types.
    public var parameters: [String: StageParameter]

    public init(condition: Condition, parameters: [String: StageParameter]) {
        self.condition = condition
        self.parameters = parameters
    }

    public init(condition: Image, parameters: [String: StageParameter]) {
        self.init(condition: .image(condition), parameters: parameters)
    }
}

/// Raised by a stage that cannot run on a record, or by a bad option; a record fails with it.
public struct StageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A conditioning stage: a value holding its options, and a function from a record's images to one
/// condition image. No file I/O, no global state; randomness only from the record's generator,
/// which is seeded by (seed, record key, stage name).
public protocol ConditionStage: Sendable {
    /// The stage's name: the member suffix (`KEY.<name>.png`) and the `--stages` word.
    var name: String { get }
    /// Whether the stage reads the record's depth map. A record without one gets the stage's
    /// placeholder (all black) and the stage is recorded as skipped.
    var needsDepth: Bool { get }
    /// What the condition image is.
    var outputKind: ConditionKind { get }
    /// The parameters `run` reports, with the neutral values a skipped record lists instead.
    /// JSON loaders (HF `datasets`, pyarrow) infer one type per field from the first records, so a
    /// skipped record must carry values of the same types, never null.
    var skippedParameters: [String: StageParameter] { get }
    /// Every option as (name, canonical value text), sorted by name: part of the dataset's
    /// fingerprint and of its manifest (`[stages.<name>]`).
    var options: [(name: String, value: String)] { get }
    /// Sets an option from its text form (a manifest value or a command-line `--set`).
    /// Throws a `StageError` naming the option and the accepted values.
    mutating func setOption(_ name: String, to value: String) throws

    func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult
}

extension ConditionStage {
    public var needsDepth: Bool { false }
    public var options: [(name: String, value: String)] { [] }

    public mutating func setOption(_ name: String, to value: String) throws {
        throw StageError("stage \(self.name) has no option '\(name)'")
    }

    /// The image written for a record the stage skipped: all zeros, the record's size. Every record
    /// of a dataset keeps the same members (HF `datasets` requires it); the index and the JSON
    /// member say the stage was skipped and why, so loaders can filter such records.
    public func placeholder(width: Int, height: Int) -> Condition {
        outputKind.blank(width: width, height: height)
    }
}
