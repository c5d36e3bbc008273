/// The EXIF Orientation tag (0x0112): how the stored pixels must be transformed to show
/// the picture upright. Raw values 1...8 as in the EXIF specification.
/// reference: EXIF 2.32 (CIPA DC-008), 4.6.4 TIFF Rev. 6.0 Attribute Information, "Orientation".
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case normal = 1
    case flipHorizontal = 2   // mirror left-right
    case rotate180 = 3
    case flipVertical = 4     // mirror top-bottom
    case transpose = 5        // mirror along the top-left/bottom-right diagonal
    case rotate90 = 6         // rotate 90° clockwise to display
    case transverse = 7       // mirror along the top-right/bottom-left diagonal
    case rotate270 = 8        // rotate 90° counter-clockwise to display

    /// True when the upright picture has width and height swapped.
    public var swapsDimensions: Bool { rawValue >= 5 }

    /// Where the upright pixel (x, y) lies in the stored pixels of size storedWidth x storedHeight.
    @inline(__always)
    public func storedPosition(ofUprightX x: Int, y: Int, storedWidth w: Int, storedHeight h: Int) -> (x: Int, y: Int) {
        switch self {
        case .normal: return (x, y)
        case .flipHorizontal: return (w - 1 - x, y)
        case .rotate180: return (w - 1 - x, h - 1 - y)
        case .flipVertical: return (x, h - 1 - y)
        case .transpose: return (y, x)
        case .rotate90: return (y, h - 1 - x)          // stored bottom-left becomes upright top-left
        case .transverse: return (w - 1 - y, h - 1 - x)
        case .rotate270: return (w - 1 - y, x)         // stored top-right becomes upright top-left
        }
    }

    /// The Orientation in a TIFF structure (the APP1 payload after "Exif\0\0"), or nil when
    /// there is none or the structure is malformed: bad EXIF is ignored, never an error.
    /// Both byte orders ("II" little-endian, "MM" big-endian) are read.
    public static func parse(tiff bytes: [UInt8]) -> ExifOrientation? {
        guard bytes.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true   // "II"
        case (0x4D, 0x4D): littleEndian = false  // "MM"
        default: return nil
        }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= bytes.count else { return nil }
            let a = Int(bytes[offset]), b = Int(bytes[offset + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ offset: Int) -> Int? {
            guard let low = u16(littleEndian ? offset : offset + 2),
                  let high = u16(littleEndian ? offset + 2 : offset) else { return nil }
            return high << 16 | low
        }
        guard u16(2) == 42, let ifd0 = u32(4), let entryCount = u16(ifd0) else { return nil }
        // IFD0: a count, then 12-byte entries: tag, type, count, value (or offset).
        for index in 0..<entryCount {
            let entry = ifd0 + 2 + 12 * index
            guard let tag = u16(entry) else { return nil }
            guard tag == 0x0112 else { continue }
            // Type 3 = SHORT, count 1: the value sits in the first two bytes of the value field.
            guard u16(entry + 2) == 3, let count = u32(entry + 4), count >= 1,
                  let value = u16(entry + 8) else { return nil }
            return ExifOrientation(rawValue: value)
        }
        return nil
    }
}
