import CDeflate

/// A zlib stream (RFC 1950) of DEFLATE data (RFC 1951) that only looks for runs: a byte repeated
/// 3 to 258 times after itself becomes one length code at distance 1, as zlib's `Z_RLE` strategy
/// does; everything else is a literal. Blocks of up to `tokensPerBlock` tokens, each with its own
/// dynamic Huffman codes. Made for prep's binary condition maps (0/255 edges on black, mostly long
/// runs), where it is several times faster than zlib's run-length deflate and about as small;
/// correct for any bytes. Deterministic: the same input gives the same stream.
///
/// Runs are found eight bytes at a time; Huffman codes are built from each block's symbol counts
/// and limited to 15 bits (7 for the code-length code) by halving the counts until they fit.
// reference: RFC 1951 (DEFLATE) sections 3.2.2 (canonical Huffman codes), 3.2.5 (length codes),
//            3.2.7 (dynamic block header); RFC 1950 (zlib header and Adler-32); zlib deflate.c deflate_rle
enum RunLengthDeflate {
    static let tokensPerBlock = 1 << 15
    static let longestRun = 258

    /// The zlib stream of `input`.
    static func zlibCompress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let bytes = input.bindMemory(to: UInt8.self)
        var writer = BitWriter(capacity: input.count / 8 + 1024)
        writer.appendByte(0x78)  // deflate, 32 KiB window
        writer.appendByte(0x01)  // fastest-compression flag; (0x78 * 256 + 0x01) % 31 == 0
        let tokens = tokenize(bytes)
        var start = 0
        repeat {
            let end = min(start + tokensPerBlock, tokens.count)
            writeBlock(tokens[start..<end], isLast: end == tokens.count, into: &writer)
            start = end
        } while start < tokens.count
        writer.flushToByte()
        let adler = UInt32(libdeflate_adler32(1, input.baseAddress, input.count))
        for shift in [24, 16, 8, 0] { writer.appendByte(UInt8(truncatingIfNeeded: adler >> UInt32(shift))) }
        return writer.bytes
    }

    // MARK: - Tokens

    /// A literal byte (0...255) or a run (256 + length, length 3...258) at distance 1.
    typealias Token = UInt16

    /// Literals and runs of the previous byte, longest first (greedy, like `deflate_rle`).
    static func tokenize(_ bytes: UnsafeBufferPointer<UInt8>) -> [Token] {
        var tokens: [Token] = []
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return tokens }
        tokens.reserveCapacity(count / 16 + 16)
        tokens.append(Token(base[0]))
        var i = 1
        while i < count {
            let run = runLength(base, at: i, count: count)
            if run >= 3 {
                tokens.append(256 + Token(run))
                i += run
            } else {
                tokens.append(Token(base[i]))
                i += 1
            }
        }
        return tokens
    }

    /// How many bytes from `i` on (at most 258) repeat the byte before `i`.
    @inline(__always)
    static func runLength(_ base: UnsafePointer<UInt8>, at i: Int, count: Int) -> Int {
        let value = base[i - 1]
        let limit = min(longestRun, count - i)
        let pattern = UInt64(value) &* 0x0101_0101_0101_0101
        let raw = UnsafeRawPointer(base + i)
        var n = 0
        while n + 8 <= limit {
            let difference = raw.loadUnaligned(fromByteOffset: n, as: UInt64.self) ^ pattern
            if difference != 0 { return n + difference.trailingZeroBitCount / 8 }  // little-endian: first byte lowest
            n += 8
        }
        while n < limit, base[i + n] == value { n += 1 }
        return n
    }

    // MARK: - Blocks

    /// RFC 1951 3.2.5: length code base values and extra bits, for codes 257...285.
    static let lengthBases: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                     67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtraBits: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                         4, 4, 4, 4, 5, 5, 5, 5, 0]
    /// The length code (0...28, i.e. symbol 257 + code) of every run length 3...258.
    static let lengthCodes: [UInt8] = {
        var codes = [UInt8](repeating: 0, count: longestRun + 1)
        for code in 0..<lengthBases.count {
            let end = code + 1 < lengthBases.count ? lengthBases[code + 1] : longestRun + 1
            for length in lengthBases[code]..<min(end, longestRun + 1) { codes[length] = UInt8(code) }
        }
        codes[longestRun] = 28  // 258 has its own code (not 284 with 31 extra)
        return codes
    }()
    /// The order code-length code lengths are sent in (RFC 1951 3.2.7).
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// One dynamic-Huffman block: header, tokens, end of block (256).
    static func writeBlock(_ tokens: ArraySlice<Token>, isLast: Bool, into writer: inout BitWriter) {
        var counts = [Int](repeating: 0, count: 286)
        for token in tokens {
            if token < 256 { counts[Int(token)] += 1 } else { counts[257 + Int(lengthCodes[Int(token) - 256])] += 1 }
        }
        counts[256] = 1
        if tokens.isEmpty { counts[0] = 1 }  // two used symbols at least: a complete code
        let literalLengths = HuffmanLengths.limited(counts, maximum: 15)
        let literalCodes = HuffmanLengths.canonicalCodes(literalLengths)
        // Distance codes: only distance 1 (code 0) is used; two codes of one bit make a complete code.
        let distanceLengths = [1, 1]

        writer.append(isLast ? 1 : 0, bits: 1)
        writer.append(2, bits: 2)  // dynamic Huffman codes
        writeCodeLengths(literalLengths, distanceLengths, into: &writer)

        // Each run length as one bit string: its length code, the extra bits, distance code 0.
        var runCodes = [UInt32](repeating: 0, count: longestRun + 1)
        var runBits = [Int](repeating: 0, count: longestRun + 1)
        for length in 3...longestRun {
            let code = Int(lengthCodes[length])
            let symbolBits = literalLengths[257 + code], extraBits = lengthExtraBits[code]
            runCodes[length] = literalCodes[257 + code] | UInt32(length - lengthBases[code]) << UInt32(symbolBits)
            runBits[length] = symbolBits + extraBits + 1  // the distance code's bit is 0
        }
        literalCodes.withUnsafeBufferPointer { literalCodes in
        literalLengths.withUnsafeBufferPointer { literalLengths in
        runCodes.withUnsafeBufferPointer { runCodes in
        runBits.withUnsafeBufferPointer { runBits in
            for token in tokens {
                if token < 256 {
                    writer.append(literalCodes[Int(token)], bits: literalLengths[Int(token)])
                } else {
                    let length = Int(token) - 256
                    writer.append(runCodes[length], bits: runBits[length])
                }
            }
        }
        }
        }
        }
        writer.append(literalCodes[256], bits: literalLengths[256])
    }

    /// HLIT, HDIST, HCLEN, the code-length code, then both codes' lengths run-length coded with
    /// symbols 16 (repeat the previous length 3-6 times), 17 (3-10 zeros) and 18 (11-138 zeros).
    static func writeCodeLengths(_ literalLengths: [Int], _ distanceLengths: [Int], into writer: inout BitWriter) {
        var literalCount = 286
        while literalCount > 257, literalLengths[literalCount - 1] == 0 { literalCount -= 1 }
        let lengths = Array(literalLengths[0..<literalCount]) + distanceLengths

        // (symbol, extra value, extra bits)
        var symbols: [(symbol: Int, extra: Int, extraBits: Int)] = []
        var i = 0
        while i < lengths.count {
            let length = lengths[i]
            var run = 1
            while i + run < lengths.count, lengths[i + run] == length { run += 1 }
            if length == 0 && run >= 3 {
                var left = run
                while left >= 11 { let n = min(left, 138); symbols.append((18, n - 11, 7)); left -= n }
                if left >= 3 { symbols.append((17, left - 3, 3)); left = 0 }
                for _ in 0..<left { symbols.append((0, 0, 0)) }
            } else if length != 0 && run >= 4 {
                symbols.append((length, 0, 0))
                var left = run - 1
                while left >= 3 { let n = min(left, 6); symbols.append((16, n - 3, 2)); left -= n }
                for _ in 0..<left { symbols.append((length, 0, 0)) }
            } else {
                for _ in 0..<run { symbols.append((length, 0, 0)) }
            }
            i += run
        }

        var counts = [Int](repeating: 0, count: 19)
        for entry in symbols { counts[entry.symbol] += 1 }
        // inflaters refuse an incomplete code-length code: with one symbol used, add a second.
        if counts.filter({ $0 > 0 }).count == 1 { counts[counts[0] == 0 ? 0 : 1] = 1 }
        let codeLengthLengths = HuffmanLengths.limited(counts, maximum: 7)
        let codeLengthCodes = HuffmanLengths.canonicalCodes(codeLengthLengths)
        var sent = 19
        while sent > 4, codeLengthLengths[codeLengthOrder[sent - 1]] == 0 { sent -= 1 }

        writer.append(UInt32(literalCount - 257), bits: 5)
        writer.append(UInt32(distanceLengths.count - 1), bits: 5)
        writer.append(UInt32(sent - 4), bits: 4)
        for k in 0..<sent { writer.append(UInt32(codeLengthLengths[codeLengthOrder[k]]), bits: 3) }
        for entry in symbols {
            writer.append(codeLengthCodes[entry.symbol], bits: codeLengthLengths[entry.symbol])
            if entry.extraBits > 0 { writer.append(UInt32(entry.extra), bits: entry.extraBits) }
        }
    }
}

/// Huffman code lengths and canonical codes for DEFLATE.
enum HuffmanLengths {
    /// Optimal code lengths for `counts` (0 = unused symbol), at most `maximum` bits: Huffman's
    /// algorithm; when the longest code is too long, the counts are halved (rounding up, so no
    /// used symbol drops out) and the code built again. A single used symbol gets length 1.
    static func limited(_ counts: [Int], maximum: Int) -> [Int] {
        var counts = counts
        while true {
            let lengths = huffman(counts)
            if (lengths.max() ?? 0) <= maximum { return lengths }
            counts = counts.map { $0 == 0 ? 0 : ($0 + 1) / 2 }
        }
    }

    /// Unlimited Huffman code lengths; ties broken by symbol order, so the result is deterministic.
    static func huffman(_ counts: [Int]) -> [Int] {
        var lengths = [Int](repeating: 0, count: counts.count)
        let used = counts.indices.filter { counts[$0] > 0 }
        if used.count == 1 { lengths[used[0]] = 1 }
        guard used.count > 1 else { return lengths }
        // Nodes: leaves 0..<used.count, then internal nodes. Two sorted queues (leaves by count,
        // internal nodes in creation order, which is by count) give the two smallest each step.
        let leaves = used.sorted { (counts[$0], $0) < (counts[$1], $1) }
        var weight = leaves.map { counts[$0] }
        var parent = [Int](repeating: -1, count: 2 * leaves.count - 1)
        var nextLeaf = 0, nextInternal = leaves.count
        func smallest() -> Int {
            if nextLeaf < leaves.count, nextInternal >= weight.count || weight[nextLeaf] <= weight[nextInternal] {
                nextLeaf += 1
                return nextLeaf - 1
            }
            nextInternal += 1
            return nextInternal - 1
        }
        for _ in 0..<(leaves.count - 1) {
            let a = smallest(), b = smallest()
            let node = weight.count
            weight.append(weight[a] + weight[b])
            parent[a] = node
            parent[b] = node
        }
        // Depths from the root (the last node) down: a parent always comes after its children.
        var depth = [Int](repeating: 0, count: weight.count)
        for node in stride(from: weight.count - 2, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        for (leaf, symbol) in leaves.enumerated() { lengths[symbol] = depth[leaf] }
        return lengths
    }

    /// RFC 1951 3.2.2's canonical codes for `lengths`, bit-reversed for DEFLATE's
    /// least-significant-bit-first packing.
    static func canonicalCodes(_ lengths: [Int]) -> [UInt32] {
        let longest = lengths.max() ?? 0
        var lengthCounts = [Int](repeating: 0, count: longest + 1)
        for length in lengths where length > 0 { lengthCounts[length] += 1 }
        var next = [Int](repeating: 0, count: longest + 2)
        var code = 0
        if longest > 0 {
            for bits in 1...longest {
                code = (code + lengthCounts[bits - 1]) << 1
                next[bits] = code
            }
        }
        var codes = [UInt32](repeating: 0, count: lengths.count)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            var value = UInt32(next[length]), reversed: UInt32 = 0
            next[length] += 1
            for _ in 0..<length { reversed = reversed << 1 | (value & 1); value >>= 1 }
            codes[symbol] = reversed
        }
        return codes
    }
}

/// DEFLATE's bit packing: values go in least significant bit first, bytes out in order.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends the low `bits` (at most 32) bits of `value`; bits above them must be 0.
    @inline(__always)
    mutating func append(_ value: UInt32, bits: Int) {
        buffer |= UInt64(value) << UInt64(count)
        count += bits
        if count >= 32 {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: buffer).littleEndian) { bytes.append(contentsOf: $0) }
            buffer >>= 32
            count -= 32
        }
    }

    /// Pads with zero bits to the next byte boundary and writes out what is buffered.
    mutating func flushToByte() {
        while count > 0 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count = max(0, count - 8)
        }
        buffer = 0
    }

    /// A whole byte (only at a byte boundary, after `flushToByte` or before any bits).
    mutating func appendByte(_ byte: UInt8) {
        precondition(count == 0, "appendByte needs a byte boundary")
        bytes.append(byte)
    }
}
