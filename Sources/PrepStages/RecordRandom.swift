/// The random generator every stage draws from: one independent stream per (seed, record key,
/// stream name), so a record's draws depend neither on the order records are processed in, nor on
/// the worker count, nor on which other stages run.
///
/// xoshiro256** seeded by SplitMix64 from an FNV-1a hash of the three inputs. The uniform draws are
/// implemented here (not with the standard library's `random(in:using:)`) so that the bytes a
/// dataset holds never change with the Swift version.
// reference: Blackman & Vigna, "Scrambled linear pseudorandom number generators" (xoshiro256**, SplitMix64)
// reference: Lemire, "Fast random integer generation in an interval" (2019)
public struct RecordRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64, key: String, stream: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a offset basis
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: seed >> UInt64(shift))) }
        for byte in key.utf8 { mix(byte) }
        mix(0)  // separator: ("ab", "c") and ("a", "bc") differ
        for byte in stream.utf8 { mix(byte) }

        var splitmix = hash
        func nextSplitMix() -> UInt64 {
            splitmix &+= 0x9e37_79b9_7f4a_7c15
            var z = splitmix
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `range`, unbiased.
    public mutating func uniform(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold { product = next().multipliedFullWidth(by: span) }
        }
        return range.lowerBound &+ Int(truncatingIfNeeded: product.high)
    }

    /// True with probability `probability`.
    public mutating func bernoulli(_ probability: Double) -> Bool {
        uniform() < probability
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
