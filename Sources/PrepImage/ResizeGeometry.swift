/// Where a source picture lands in a training sample: the scaled size and the crop window.
public struct ResizeGeometry: Equatable, Sendable {
    public let sourceWidth: Int
    public let sourceHeight: Int
    /// The requested resolution (short side after scaling).
    public let resolution: Int
    /// Size after resizing, before the crop.
    public let scaledWidth: Int
    public let scaledHeight: Int
    /// Top-left of the crop window in the scaled image.
    public let cropX: Int
    public let cropY: Int
    public let outputWidth: Int
    public let outputHeight: Int

    /// - `.center`: k = resolution / min(w, h); the short side becomes `resolution`, the
    ///   long side round(long * k) (half away from zero); then the centered
    ///   resolution x resolution window, offset floor((scaled - resolution) / 2).
    /// - `.none`: ControlNet's resize_image: H = round(H * k / 64) * 64 with Python's
    ///   round-half-to-even (numpy.round), the same for W, at least 64; no crop.
    /// reference: lllyasviel/ControlNet annotator/util.py `resize_image`;
    /// torchvision.transforms Resize + CenterCrop.
    public init(sourceWidth: Int, sourceHeight: Int, resolution: Int, crop: CropMode) {
        precondition(sourceWidth > 0 && sourceHeight > 0, "cannot resize an empty \(sourceWidth)x\(sourceHeight) image")
        precondition(resolution > 0, "resolution must be positive, not \(resolution)")
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.resolution = resolution
        let k = Double(resolution) / Double(min(sourceWidth, sourceHeight))
        switch crop {
        case .center:
            if sourceWidth <= sourceHeight {
                scaledWidth = resolution
                scaledHeight = max(resolution, Int((Double(sourceHeight) * k).rounded(.toNearestOrAwayFromZero)))
            } else {
                scaledHeight = resolution
                scaledWidth = max(resolution, Int((Double(sourceWidth) * k).rounded(.toNearestOrAwayFromZero)))
            }
            cropX = (scaledWidth - resolution) / 2
            cropY = (scaledHeight - resolution) / 2
            outputWidth = resolution
            outputHeight = resolution
        case .none:
            func multipleOf64(_ side: Int) -> Int {
                let scaled = Double(side) * k
                return max(64, Int((scaled / 64).rounded(.toNearestOrEven)) * 64)
            }
            scaledWidth = multipleOf64(sourceWidth)
            scaledHeight = multipleOf64(sourceHeight)
            cropX = 0
            cropY = 0
            outputWidth = scaledWidth
            outputHeight = scaledHeight
        }
    }

    /// True when k = resolution / min(w, h) > 1: the picture is enlarged (Lanczos-4),
    /// otherwise it is shrunk or kept (area average) — ControlNet's choice of filter.
    public var isEnlarging: Bool { resolution > min(sourceWidth, sourceHeight) }

    /// The filter `Resizer` uses for this geometry.
    var filter: ResampleFilter { isEnlarging ? .lanczos4 : .area }
}
