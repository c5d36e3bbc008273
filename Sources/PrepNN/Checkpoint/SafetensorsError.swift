/// Why a safetensors file could not be read or written. `path` is the file's path, or
/// "<memory>" for bytes given directly.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// Fewer than the 8 bytes of the header length.
    case truncated(path: String, size: Int)
    /// The header length points past the end of the file.
    case headerPastEnd(path: String, headerLength: UInt64, available: Int)
    /// The header length is over `SafetensorsFormat.maximumHeaderLength`.
    case headerTooLarge(path: String, headerLength: UInt64)
    /// The header is not a JSON object of the expected form.
    case badHeader(path: String, reason: String)
    /// One tensor's entry is inconsistent (unknown dtype, negative dimension, size mismatch...).
    case badTensor(path: String, name: String, reason: String)
    /// A tensor's bytes end past the end of the data section.
    case offsetsOutOfBounds(path: String, name: String, end: Int, dataLength: Int)
    /// Two tensors share bytes.
    case overlapping(path: String, first: String, second: String)
    /// Bytes of the data section belong to no tensor (`after` is nil for a gap at the start).
    case gap(path: String, after: String?, bytes: Int)
    /// The file has no tensor of that name.
    case noSuchTensor(path: String, name: String)
    /// The tensor is stored as another type than the one asked for.
    case wrongType(path: String, name: String, stored: String, requested: String)
    /// `SafetensorsWriter` was given an invalid tensor.
    case invalidTensor(name: String, reason: String)
    /// Writing the file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read the file (\(reason))"
        case let .truncated(path, size):
            return "\(path): \(size) bytes, too short for a safetensors file (8-byte header length first); "
                + "the file is truncated or not safetensors: re-create or re-download it"
        case let .headerPastEnd(path, length, available):
            return "\(path): the header length is \(length) bytes but only \(available) follow; "
                + "the file is truncated or corrupt: re-create or re-download it"
        case let .headerTooLarge(path, length):
            return "\(path): the header length \(length) is over the limit of "
                + "\(SafetensorsFormat.maximumHeaderLength) bytes; the file is corrupt or not safetensors"
        case let .badHeader(path, reason):
            return "\(path): the header is not a valid safetensors header: \(reason)"
        case let .badTensor(path, name, reason):
            return "\(path): tensor '\(name)': \(reason)"
        case let .offsetsOutOfBounds(path, name, end, dataLength):
            return "\(path): tensor '\(name)' ends at data byte \(end) but the data section has \(dataLength) bytes; "
                + "the file is truncated or corrupt: re-create or re-download it"
        case let .overlapping(path, first, second):
            return "\(path): tensors '\(first)' and '\(second)' overlap; the file is corrupt"
        case let .gap(path, after, bytes):
            let place = after.map { "after tensor '\($0)'" } ?? "before the first tensor"
            return "\(path): \(bytes) bytes \(place) belong to no tensor; the file is corrupt"
        case let .noSuchTensor(path, name):
            return "\(path): no tensor named '\(name)'"
        case let .wrongType(path, name, stored, requested):
            return "\(path): tensor '\(name)' is stored as \(stored), not \(requested)"
        case let .invalidTensor(name, reason):
            return "cannot write tensor '\(name)': \(reason)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write the file (\(reason)); check the directory exists and is writable"
        }
    }
}
