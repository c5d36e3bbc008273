/// A straight segment between two pixel centres, both ends included (OpenCV's `Vec4i` line of
/// `HoughLinesP`: x0, y0, x1, y1).
public struct LineSegment: Equatable, Sendable {
    public var x0: Int
    public var y0: Int
    public var x1: Int
    public var y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }
}
