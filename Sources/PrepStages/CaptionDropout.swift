/// ControlNet's caption dropout: "randomly replace 50% text prompts with empty strings".
///
/// The paper draws it per sample at training time; `prep` draws it once per record, seeded by the
/// record's key, and stores the decision (`caption_dropped`) next to the original caption, which is
/// always kept. Trainers that re-draw per epoch can ignore the flag.
public struct CaptionDropout: Sendable, Equatable {
    public static let streamName = "caption_dropout"

    /// Probability that a record's caption is dropped, in 0...1.
    public var probability: Double

    public init(probability: Double = 0.5) {
        self.probability = probability
    }

    /// Whether this record's caption is dropped. Draws from its own stream, so adding or removing
    /// a condition stage never changes which captions are dropped.
    public func isDropped(seed: UInt64, key: String) -> Bool {
        var random = RecordRandom(seed: seed, key: key, stream: Self.streamName)
        return random.bernoulli(probability)
    }
}
