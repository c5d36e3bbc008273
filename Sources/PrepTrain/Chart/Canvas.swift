// Canvas: an RGB picture to draw charts on: filled rectangles, lines (Bresenham), dashed
// vertical lines, pasted pictures and `BitmapFont` text. Everything outside the picture is clipped.
// reference: Bresenham, "Algorithm for computer control of a digital plotter" (1965)
import PrepDataset
import PrepImage

public struct RGB: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    public static let gray = RGB(160, 160, 160)
    public static let lightGray = RGB(225, 225, 225)
    public static let blue = RGB(31, 119, 180)
    public static let orange = RGB(230, 110, 20)
    public static let red = RGB(200, 30, 30)
}

public struct Canvas {
    public private(set) var image: Image

    public init(width: Int, height: Int, background: RGB = .white) {
        image = Image(width: width, height: height, channels: 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    public mutating func set(_ x: Int, _ y: Int, _ color: RGB) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = (y * image.width + x) * 3
        image.pixels[i] = color.r
        image.pixels[i + 1] = color.g
        image.pixels[i + 2] = color.b
    }

    public mutating func fill(x: Int, y: Int, width: Int, height: Int, _ color: RGB) {
        for yy in max(0, y)..<max(max(0, y), min(image.height, y + height)) {
            for xx in max(0, x)..<max(max(0, x), min(image.width, x + width)) { set(xx, yy, color) }
        }
    }

    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB) {
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            set(x, y, color)
            if x == x1 && y == y1 { return }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    public mutating func dashedVerticalLine(x: Int, from y0: Int, to y1: Int, _ color: RGB, dash: Int = 4) {
        for y in min(y0, y1)...max(y0, y1) where (y / dash) % 2 == 0 { set(x, y, color) }
    }

    public mutating func rectangle(x: Int, y: Int, width: Int, height: Int, _ color: RGB) {
        line(x, y, x + width - 1, y, color)
        line(x, y + height - 1, x + width - 1, y + height - 1, color)
        line(x, y, x, y + height - 1, color)
        line(x + width - 1, y, x + width - 1, y + height - 1, color)
    }

    /// Copies an RGB or gray picture with its top-left corner at (x, y).
    public mutating func paste(_ picture: Image, x: Int, y: Int) {
        for py in 0..<picture.height {
            for px in 0..<picture.width {
                let i = (py * picture.width + px) * picture.channels
                let p = picture.pixels
                set(x + px, y + py, picture.channels == 3 ? RGB(p[i], p[i + 1], p[i + 2]) : RGB(p[i], p[i], p[i]))
            }
        }
    }

    /// Text (PrepDataset's 5x7 `BitmapFont`) with its top-left corner at (x, y), each font pixel
    /// `scale` x `scale`.
    public mutating func text(_ string: String, x: Int, y: Int, _ color: RGB = .black, scale: Int = 1) {
        BitmapFont.draw(string, into: &image, x: x, y: y, scale: scale, color: [color.r, color.g, color.b])
    }

    /// The width in pixels of `string` drawn by `text` at `scale`.
    public static func textWidth(_ string: String, scale: Int = 1) -> Int {
        string.count * BitmapFont.advance(scale: scale)
    }
}
