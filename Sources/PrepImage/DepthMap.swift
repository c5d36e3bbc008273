/// A 16-bit single-channel depth map, row-major; larger values are nearer the camera.
/// `values.count == width * height`.
public struct DepthMap: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var values: [UInt16]

    public init(width: Int, height: Int, values: [UInt16]) {
        precondition(width >= 0 && height >= 0, "depth map size must not be negative")
        precondition(values.count == width * height,
                     "\(width)x\(height) needs \(width * height) values, got \(values.count)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// A zero-filled (farthest) depth map.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, values: [UInt16](repeating: 0, count: width * height))
    }
}
