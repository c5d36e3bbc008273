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
