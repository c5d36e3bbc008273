/// What a training run trains.
public enum TrainingStage: String, Codable, Sendable, CaseIterable {
    /// The U-Net and the text encoder, from scratch, on image + caption (text-to-image).
    case base
    /// A ControlNet on a locked base (U-Net and text encoder from a base checkpoint), on
    /// image + caption + condition image.
    case control

    /// The paper's learning rates: 1e-4 for the base here (a from-scratch model), 1e-5 for the ControlNet.
    public var defaultLearningRate: Float { self == .base ? 1e-4 : 1e-5 }
}
