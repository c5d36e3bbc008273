/// How a picture is fitted to the training resolution.
public enum CropMode: String, Sendable, CaseIterable {
    /// Scale the short side to the resolution, then cut the centered square
    /// (torchvision's Resize(resolution) + CenterCrop(resolution)). The product's default.
    case center
    /// Keep the aspect ratio: scale the short side to the resolution and round both sides to
    /// multiples of 64 (ControlNet's `resize_image`); nothing is cut.
    case none
}
