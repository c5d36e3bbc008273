/// One record ready for the model: the image as a latent, the condition image, the caption.
public struct TrainingSample: Sendable {
    public let key: String
    /// The image resized to R x R, scaled to [-1, 1] and pixel-unshuffled by 4: [48, R/4, R/4].
    public let latents: [Float]
    /// The condition image resized to R x R, scaled to [0, 1], RGB (gray replicated): [3, R, R].
    /// nil when the run has no condition.
    public let condition: [Float]?
    /// The record's caption (the `txt` member), before dropout.
    public let caption: String
}
