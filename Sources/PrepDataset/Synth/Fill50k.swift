import Foundation
import PrepImage
import PrepStages

/// The ControlNet tutorial's toy task (fill50k): a filled circle of one named colour on a
/// background of another, captioned with both ("burly wood circle with orange background"), and
/// the circle's outline, white on black, as the condition a model must learn to follow. On it,
/// control is learnable on a CPU in minutes: the caption says the colours, only the condition
/// says where the circle is.
///
/// Written as the tutorial's layout (`source/N.png` outline, `target/N.png` picture, and
/// `prompt.json`, JSON Lines of {"source", "target", "prompt"}) plus `captions.tsv` (`image`,
/// `caption`, `outline`) for `prep build`. Sample N depends only on (seed, N): any count, any
/// order, the same files.
/// reference: lllyasviel/ControlNet docs/train.md and tutorial_dataset.py (the fill50k layout)
public struct Fill50k: Sendable {
    public var count: Int
    /// Width and height of every picture, in pixels.
    public var size = 512
    public var seed: UInt64 = 0

    public init(count: Int, size: Int = 512, seed: UInt64 = 0) {
        self.count = count
        self.size = size
        self.seed = seed
    }

    /// One sample's drawing: the colours by name and the circle.
    public struct Sample: Sendable, Equatable {
        public var circleColour: NamedColour
        public var backgroundColour: NamedColour
        public var centreX: Int
        public var centreY: Int
        public var radius: Int

        public var caption: String { "\(circleColour.name) circle with \(backgroundColour.name) background" }
    }

    public struct NamedColour: Sendable, Equatable {
        public let name: String
        public let rgb: (UInt8, UInt8, UInt8)

        public static func == (a: Self, b: Self) -> Bool { a.name == b.name }
    }

    /// CSS colour names spelled as words, as the tutorial's captions are.
    public static let colours: [NamedColour] = colourTable.map {
        NamedColour(name: $0.0, rgb: (UInt8($0.1 >> 16), UInt8(($0.1 >> 8) & 0xFF), UInt8($0.1 & 0xFF)))
    }

    private static let colourTable: [(String, UInt32)] = [
        ("alice blue", 0xF0F8FF), ("aqua", 0x00FFFF), ("beige", 0xF5F5DC), ("black", 0x000000), ("blue", 0x0000FF),
        ("blue violet", 0x8A2BE2), ("brown", 0xA52A2A), ("burly wood", 0xDEB887), ("cadet blue", 0x5F9EA0),
        ("chartreuse", 0x7FFF00), ("chocolate", 0xD2691E), ("coral", 0xFF7F50), ("cornflower blue", 0x6495ED),
        ("crimson", 0xDC143C), ("dark blue", 0x00008B), ("dark cyan", 0x008B8B), ("dark golden rod", 0xB8860B),
        ("dark green", 0x006400), ("dark khaki", 0xBDB76B), ("dark magenta", 0x8B008B), ("dark olive green", 0x556B2F),
        ("dark orange", 0xFF8C00), ("dark orchid", 0x9932CC), ("dark red", 0x8B0000), ("dark salmon", 0xE9967A),
        ("dark sea green", 0x8FBC8F), ("dark slate blue", 0x483D8B), ("dark turquoise", 0x00CED1),
        ("deep pink", 0xFF1493), ("deep sky blue", 0x00BFFF), ("dim gray", 0x696969), ("dodger blue", 0x1E90FF),
        ("firebrick", 0xB22222), ("forest green", 0x228B22), ("fuchsia", 0xFF00FF), ("gold", 0xFFD700),
        ("golden rod", 0xDAA520), ("gray", 0x808080), ("green", 0x008000), ("green yellow", 0xADFF2F),
        ("hot pink", 0xFF69B4), ("indian red", 0xCD5C5C), ("indigo", 0x4B0082), ("khaki", 0xF0E68C),
        ("lavender", 0xE6E6FA), ("lawn green", 0x7CFC00), ("light blue", 0xADD8E6), ("light coral", 0xF08080),
        ("light green", 0x90EE90), ("light pink", 0xFFB6C1), ("light salmon", 0xFFA07A), ("light sea green", 0x20B2AA),
        ("light sky blue", 0x87CEFA), ("light slate gray", 0x778899), ("light steel blue", 0xB0C4DE), ("lime", 0x00FF00),
        ("lime green", 0x32CD32), ("linen", 0xFAF0E6), ("maroon", 0x800000), ("medium aqua marine", 0x66CDAA),
        ("medium blue", 0x0000CD), ("medium orchid", 0xBA55D3), ("medium purple", 0x9370DB),
        ("medium sea green", 0x3CB371), ("medium slate blue", 0x7B68EE), ("medium spring green", 0x00FA9A),
        ("medium turquoise", 0x48D1CC), ("medium violet red", 0xC71585), ("midnight blue", 0x191970),
        ("misty rose", 0xFFE4E1), ("navy", 0x000080), ("olive", 0x808000), ("olive drab", 0x6B8E23), ("orange", 0xFFA500),
        ("orange red", 0xFF4500), ("orchid", 0xDA70D6), ("pale green", 0x98FB98), ("pale turquoise", 0xAFEEEE),
        ("pale violet red", 0xDB7093), ("peach puff", 0xFFDAB9), ("peru", 0xCD853F), ("pink", 0xFFC0CB),
        ("plum", 0xDDA0DD), ("powder blue", 0xB0E0E6), ("purple", 0x800080), ("red", 0xFF0000), ("rosy brown", 0xBC8F8F),
        ("royal blue", 0x4169E1), ("saddle brown", 0x8B4513), ("salmon", 0xFA8072), ("sandy brown", 0xF4A460),
        ("sea green", 0x2E8B57), ("sienna", 0xA0522D), ("silver", 0xC0C0C0), ("sky blue", 0x87CEEB),
        ("slate blue", 0x6A5ACD), ("slate gray", 0x708090), ("spring green", 0x00FF7F), ("steel blue", 0x4682B4),
        ("tan", 0xD2B48C), ("teal", 0x008080), ("thistle", 0xD8BFD8), ("tomato", 0xFF6347), ("turquoise", 0x40E0D0),
        ("violet", 0xEE82EE), ("wheat", 0xF5DEB3), ("white", 0xFFFFFF), ("yellow", 0xFFFF00), ("yellow green", 0x9ACD32),
    ]

    /// Sample `index`: two different colours, a circle whose radius is 1/16 to 1/4 of the size,
    /// entirely inside the picture.
    public func sample(_ index: Int) -> Sample {
        var random = RecordRandom(seed: seed, key: String(index), stream: "fill50k")
        let circle = random.uniform(in: 0...(Self.colours.count - 1))
        var background = random.uniform(in: 0...(Self.colours.count - 2))
        if background >= circle { background += 1 }
        let radius = random.uniform(in: max(1, size / 16)...max(1, size / 4))
        let centreX = random.uniform(in: radius...(size - 1 - radius))
        let centreY = random.uniform(in: radius...(size - 1 - radius))
        return Sample(circleColour: Self.colours[circle], backgroundColour: Self.colours[background],
                      centreX: centreX, centreY: centreY, radius: radius)
    }

    /// The picture: pixels whose centre lies within the radius take the circle's colour.
    public func target(_ sample: Sample) -> Image {
        var image = Image(width: size, height: size, channels: 3)
        let (cr, cg, cb) = sample.circleColour.rgb, (br, bg, bb) = sample.backgroundColour.rgb
        let r2 = sample.radius * sample.radius
        for y in 0..<size {
            for x in 0..<size {
                let dx = x - sample.centreX, dy = y - sample.centreY
                let inside = dx * dx + dy * dy <= r2
                let i = 3 * (y * size + x)
                image.pixels[i] = inside ? cr : br
                image.pixels[i + 1] = inside ? cg : bg
                image.pixels[i + 2] = inside ? cb : bb
            }
        }
        return image
    }

    /// The condition: the circle's outline, white on black, about size/128 pixels thick (4 at
    /// 512), centred on the circle's edge.
    public func source(_ sample: Sample) -> Image {
        var image = Image(width: size, height: size, channels: 3)
        let halfThickness = max(1.0, Double(size) / 256)
        for y in 0..<size {
            for x in 0..<size {
                let dx = Double(x - sample.centreX), dy = Double(y - sample.centreY)
                if abs((dx * dx + dy * dy).squareRoot() - Double(sample.radius)) <= halfThickness {
                    let i = 3 * (y * size + x)
                    image.pixels[i] = 255
                    image.pixels[i + 1] = 255
                    image.pixels[i + 2] = 255
                }
            }
        }
        return image
    }

    /// Writes every sample, `prompt.json` and `captions.tsv` into `directory` (created; it must
    /// not hold files already). `progress` is called after each sample with the number done.
    public func write(to directory: String, progress: (Int) -> Void = { _ in }) throws {
        guard count > 0 else { throw Fill50kError("--count must be at least 1") }
        guard (16...4096).contains(size) else { throw Fill50kError("--size must be in 16...4096") }
        if FileSystem.exists(directory), !(try FileSystem.contentsOfDirectory(directory)).isEmpty {
            throw Fill50kError("\(directory) exists and is not empty; choose a new folder")
        }
        try FileSystem.createDirectory(directory + "/source")
        try FileSystem.createDirectory(directory + "/target")
        var prompts: [UInt8] = []
        var captions = Array("image\tcaption\toutline\n".utf8)
        for index in 0..<count {
            let sample = sample(index)
            try Data(try PNGCodec.encode(source(sample), compressionLevel: 1)).write(to: URL(fileURLWithPath: "\(directory)/source/\(index).png"))
            try Data(try PNGCodec.encode(target(sample), compressionLevel: 1)).write(to: URL(fileURLWithPath: "\(directory)/target/\(index).png"))
            let line = ["source": "source/\(index).png", "target": "target/\(index).png", "prompt": sample.caption]
            prompts += try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]) + [0x0A]
            captions += Array("target/\(index).png\t\(sample.caption)\tsource/\(index).png\n".utf8)
            progress(index + 1)
        }
        try Data(prompts).write(to: URL(fileURLWithPath: directory + "/prompt.json"), options: .atomic)
        try Data(captions).write(to: URL(fileURLWithPath: directory + "/captions.tsv"), options: .atomic)
    }
}

public struct Fill50kError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
