import Foundation
import PrepStages

/// The encoded PNG of each stage's placeholder (the all-black map of a skipped stage), made once
/// per size and shared by every record and worker. A placeholder is the same picture for every
/// record of a build, and with a quarter of the rows carrying depth, encoding the normal and depth
/// placeholders anew was 4-5 ms of a record's ~40.
final class PlaceholderCache: @unchecked Sendable {
    private struct Key: Hashable {
        let stage: String
        let width: Int
        let height: Int
    }

    private let lock = NSLock()
    private var encoded: [Key: [UInt8]] = [:]

    /// The cached bytes for (stage, size), or `encode()`'s, remembered.
    func bytes(stage: String, width: Int, height: Int, encode: () throws -> [UInt8]) rethrows -> [UInt8] {
        let key = Key(stage: stage, width: width, height: height)
        lock.lock()
        let cached = encoded[key]
        lock.unlock()
        if let cached { return cached }
        let bytes = try encode()  // outside the lock: two workers may both encode it, once each
        lock.lock()
        encoded[key] = bytes
        lock.unlock()
        return bytes
    }
}
