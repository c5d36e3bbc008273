// The safetensors format, as read by `SafetensorsFile` and written by `SafetensorsWriter`.
// reference: huggingface/safetensors, the format description in its README ("Format").
//
//     [8 bytes]  N, the header length, unsigned little-endian
//     [N bytes]  a UTF-8 JSON object, padded with spaces:
//                { "__metadata__": { "key": "value", ... },            (optional, strings only)
//                  "name": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ... }
//     [rest]     the data section: each tensor's elements, row-major, little-endian, at
//                [begin, end) relative to the start of this section. The tensors tile the section
//                exactly: no gaps, no overlaps, nothing after the last one.

/// The element types of safetensors. Reading and writing support F32, F64, I64 and I32; the other
/// types are recognised (a file holding them still opens) but their elements cannot be read.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// The Python library's data order: larger types first (its `Dtype` enum order, descending),
    /// then names. `SafetensorsWriter` follows it, so both write identical bytes.
    var writeRank: Int {
        switch self {
        case .u64: return 0
        case .i64: return 1
        case .f64: return 2
        case .f32: return 3
        case .u32: return 4
        case .i32: return 5
        case .bf16: return 6
        case .f16: return 7
        case .u16: return 8
        case .i16: return 9
        case .f8e4m3: return 10
        case .f8e5m2: return 11
        case .i8: return 12
        case .u8: return 13
        case .bool: return 14
        }
    }
}

/// Limits shared by the reader and the writer.
enum SafetensorsFormat {
    /// The Python library refuses larger headers; so do we (a corrupt length would otherwise
    /// ask for gigabytes).
    static let maximumHeaderLength = 100_000_000
    /// The reserved header key of the string-to-string metadata map.
    static let metadataKey = "__metadata__"
}
