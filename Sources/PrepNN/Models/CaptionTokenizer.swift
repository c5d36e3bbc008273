// CaptionTokenizer: captions to fixed-length token ids by hashing words (no vocabulary file).
//   ASCII-lowercase (only A-Z change); words = maximal runs of ASCII [a-z0-9], every other byte
//   separates; the first `length` words; id = 1 + FNV-1a-64(UTF-8 of the word) % (V - 1); padded
//   with 0. The empty caption is all zeros. Not Unicode lowercasing: that turns the Kelvin sign
//   U+212A into "k" and U+0130 into "i" plus a combining dot, where scripts/nn/torch_mirror.py's
//   `tokenize` (the fixture's tokenizer_examples) sees separators.
// reference: Fowler, Noll and Vo, FNV-1a hash (64-bit offset basis and prime).

public struct CaptionTokenizer: Sendable {
    public let vocabularySize: Int
    public let length: Int

    public init(vocabularySize: Int = 4096, length: Int = 16) {
        precondition(vocabularySize >= 2, "CaptionTokenizer: vocabulary of \(vocabularySize) ids has no room for words")
        self.vocabularySize = vocabularySize
        self.length = length
    }

    public init(config: ModelConfig) { self.init(vocabularySize: config.vocabularySize, length: config.textLength) }

    public func words(_ caption: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        for byte in caption.utf8 {
            if byte >= 0x41 && byte <= 0x5A {
                current.append(byte + 0x20)
            } else if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                current.append(byte)
            } else if !current.isEmpty {
                words.append(String(decoding: current, as: UTF8.self))
                current = []
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    public func encode(_ caption: String) -> [Int32] {
        var ids = words(caption).prefix(length).map { Int32(1 + CaptionTokenizer.fnv1a64($0) % UInt64(vocabularySize - 1)) }
        ids += [Int32](repeating: 0, count: length - ids.count)
        return ids
    }

    public static func fnv1a64(_ word: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in word.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
