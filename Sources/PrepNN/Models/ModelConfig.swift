// ModelConfig: every size of the U-Net, the text encoder and the ControlNet. The defaults are the
// reference model (/work/shared/reference/torch_tiny_controlnet.py): a 64x64 RGB image
// pixel-unshuffled by 4 into a 16x16x48 latent, base width 32, three levels.

public struct ModelConfig: Codable, Sendable, Equatable {
    /// Channels of the first level (C0); level l has width * channelMultipliers[l].
    public var width = 32
    public var channelMultipliers = [1, 2, 4]
    /// Whether the blocks of each level carry self- and cross-attention.
    public var attentionLevels = [false, true, true]
    /// Encoder blocks per level; the decoder has one more per level.
    public var blocksPerLevel = 2
    public var groupCount = 8
    public var headCount = 4
    /// Channels of the text context (the text encoder's width).
    public var contextDimension = 64
    /// Tokens per caption.
    public var textLength = 16
    /// Channels of the latent (3 * 4 * 4: the image pixel-unshuffled by 4).
    public var latentChannels = 48
    public var vocabularySize = 4096
    public var textLayerCount = 2
    public var textHeadCount = 4
    /// Channels of the condition image fed to the hint encoder.
    public var hintChannels = 3
    /// The hint encoder's widths (h1, h2, h3): in->h1, h1->h1, h1->h2 stride 2, h2->h2,
    /// h2->h3 stride 2, h3->width (the reference's fixed 16, 32, 96).
    public var hintWidths = ModelConfig.referenceHintWidths

    public static let referenceHintWidths = [16, 32, 96]

    public init() {}

    /// The time embedding width E (4 * width).
    public var timeEmbeddingDimension: Int { 4 * width }
    /// The sinusoidal embedding width (= width).
    public var sinusoidalDimension: Int { width }

    /// A small configuration for tests: width 8, two levels, attention on the second.
    public static var tiny: ModelConfig {
        var config = ModelConfig()
        config.width = 8
        config.channelMultipliers = [1, 2]
        config.attentionLevels = [false, true]
        config.blocksPerLevel = 1
        config.groupCount = 4
        config.headCount = 2
        config.contextDimension = 16
        config.textLength = 4
        config.vocabularySize = 64
        config.textLayerCount = 1
        config.textHeadCount = 2
        return config
    }
}

// Codable by hand for one reason: `hintWidths` is written only when it differs from the
// reference's, and read as the reference's when absent, so the JSON of every configuration that
// existed before it (checkpoint metadata, which a resume compares as text) is unchanged.
extension ModelConfig {
    private enum CodingKeys: String, CodingKey {
        case width, channelMultipliers, attentionLevels, blocksPerLevel, groupCount, headCount, contextDimension
        case textLength, latentChannels, vocabularySize, textLayerCount, textHeadCount, hintChannels, hintWidths
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        width = try c.decode(Int.self, forKey: .width)
        channelMultipliers = try c.decode([Int].self, forKey: .channelMultipliers)
        attentionLevels = try c.decode([Bool].self, forKey: .attentionLevels)
        blocksPerLevel = try c.decode(Int.self, forKey: .blocksPerLevel)
        groupCount = try c.decode(Int.self, forKey: .groupCount)
        headCount = try c.decode(Int.self, forKey: .headCount)
        contextDimension = try c.decode(Int.self, forKey: .contextDimension)
        textLength = try c.decode(Int.self, forKey: .textLength)
        latentChannels = try c.decode(Int.self, forKey: .latentChannels)
        vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
        textLayerCount = try c.decode(Int.self, forKey: .textLayerCount)
        textHeadCount = try c.decode(Int.self, forKey: .textHeadCount)
        hintChannels = try c.decode(Int.self, forKey: .hintChannels)
        hintWidths = try c.decodeIfPresent([Int].self, forKey: .hintWidths) ?? Self.referenceHintWidths
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(width, forKey: .width)
        try c.encode(channelMultipliers, forKey: .channelMultipliers)
        try c.encode(attentionLevels, forKey: .attentionLevels)
        try c.encode(blocksPerLevel, forKey: .blocksPerLevel)
        try c.encode(groupCount, forKey: .groupCount)
        try c.encode(headCount, forKey: .headCount)
        try c.encode(contextDimension, forKey: .contextDimension)
        try c.encode(textLength, forKey: .textLength)
        try c.encode(latentChannels, forKey: .latentChannels)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(textLayerCount, forKey: .textLayerCount)
        try c.encode(textHeadCount, forKey: .textHeadCount)
        try c.encode(hintChannels, forKey: .hintChannels)
        if hintWidths != Self.referenceHintWidths { try c.encode(hintWidths, forKey: .hintWidths) }
    }
}
