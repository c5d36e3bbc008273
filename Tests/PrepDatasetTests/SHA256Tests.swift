import Foundation
import Testing
@testable import PrepDataset

@Suite("SHA256")
struct SHA256Tests {
    // FIPS 180-4 example vectors (NIST "Cryptographic Standards and Guidelines: Examples with
    // Intermediate Values", SHA-256).
    @Test func emptyMessage() {
        #expect(SHA256.hexHash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(SHA256.hexHash(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func message448Bits() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA256.hexHash(Array(message.utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func message896Bits() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(SHA256.hexHash(Array(message.utf8)) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionA() {
        #expect(SHA256.hexHash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Values computed once with coreutils `sha256sum`.
    @Test func matchesSha256sum() {
        #expect(SHA256.hexHash(Array("The quick brown fox jumps over the lazy dog".utf8))
            == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
        let pattern = (0..<100_000).map { UInt8(($0 * 7 + 3) % 256) }
        #expect(SHA256.hexHash(pattern) == "d96bab6a55ee326ba206dd4a85a6e95e14360d7fabbf448f03e689c24382b7d0")
        #expect(SHA256.hexHash(Array("café 猫\n".utf8)) == "3ad215bdd0a9fd42800e235895144cdec48646500e748a2f1400f7c3336ea02e")
    }

    /// Padding edge cases: lengths around the 55/56/64-byte boundaries, split at every point,
    /// must match the one-shot digest.
    @Test func boundaryLengthsSplitAnywhere() {
        for length in [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
            let expected = SHA256.hash(message)
            for split in 0...length {
                var hasher = SHA256()
                hasher.update(Array(message[..<split]))
                hasher.update(Array(message[split...]))
                #expect(hasher.finalize() == expected, "length \(length) split at \(split)")
            }
        }
    }

    @Test func randomChunksMatchOneShot() {
        var generator = SplitMix(seed: 42)
        for _ in 0..<40 {
            let length = Int(generator.next() % 5000)
            let message = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let expected = SHA256.hash(message)
            var hasher = SHA256()
            var position = 0
            while position < length {
                let chunk = min(length - position, Int(generator.next() % 200))
                let slice = Array(message[position..<(position + chunk)])
                if generator.next() % 2 == 0 {
                    hasher.update(slice)
                } else {
                    slice.withUnsafeBytes { hasher.update($0) }
                }
                position += chunk
            }
            #expect(hasher.finalize() == expected)
            #expect(expected.count == 32)
        }
    }

    @Test func hashesFilesInChunks() throws {
        let path = NSTemporaryDirectory() + "sha256-\(UUID().uuidString).bin"
        defer { try? FileSystem.remove(path) }
        // Larger than one 1 MiB read, not a multiple of it.
        let contents = (0..<(3 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try Data(contents).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hexHash(fileAt: path) == SHA256.hexHash(contents))
        #expect(throws: FileError.self) { try SHA256.hexHash(fileAt: path + ".missing") }
    }

    /// The plain-Swift reference gives the standard's vectors too, and agrees with the fast
    /// hasher on random messages fed in random chunks (and a copied hasher keeps its own state).
    @Test func referenceAgreesWithFastHasher() {
        #expect(SHA256.hex(SHA256Reference.hash(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256Reference.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var generator = SplitMix(seed: 7)
        for _ in 0..<30 {
            let length = Int(generator.next() % 3000)
            let message = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            var reference = SHA256Reference()
            var fast = SHA256()
            var position = 0
            while position < length {
                let chunk = min(length - position, Int(generator.next() % 150))
                reference.update(Array(message[position..<(position + chunk)]))
                fast.update(Array(message[position..<(position + chunk)]))
                position += chunk
            }
            var copy = fast
            copy.update([1, 2, 3])
            #expect(fast.finalize() == reference.finalize(), "length \(length)")
            #expect(copy.finalize() == SHA256.hash(message + [1, 2, 3]))
        }
    }

    @Test func hexIsLowercaseAndPadded() {
        #expect(SHA256.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
    }
}

/// A small deterministic generator so failures reproduce.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
