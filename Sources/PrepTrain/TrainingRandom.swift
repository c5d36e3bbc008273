// TrainingRandom: every random draw of a run comes from a generator keyed by what it is for, so
// no generator state has to be saved: a resumed run recomputes exactly the draws an uninterrupted
// run would make.
//   shuffle:         (seed, epoch)                    the epoch's record order
//   caption dropout: (seed, epoch, key)               whether this record's caption is dropped this epoch
//   noise:           (seed, step, micro-batch)        timesteps, then Gaussian noise
// The key words are mixed by splitmix64 finalisation into one 64-bit seed of `SeededRandom`.
import PrepNN

public enum TrainingRandom {
    /// What a stream is used for; its raw value separates the streams.
    public enum Stream: UInt64, Sendable {
        case shuffle = 1
        case captionDropout = 2
        case noise = 3
    }

    /// A generator for `stream` keyed by the run seed and `words` (epoch, step, key hash...).
    public static func generator(seed: UInt64, _ stream: Stream, _ words: UInt64...) -> SeededRandom {
        var state = mix(seed ^ 0x7072_6570_7472_6169)  // "preptrai"
        state = mix(state ^ stream.rawValue)
        for word in words { state = mix(state ^ word) }
        return SeededRandom(seed: state)
    }

    /// A record key as one word (FNV-1a 64, as the caption tokenizer hashes words).
    public static func word(_ key: String) -> UInt64 { CaptionTokenizer.fnv1a64(key) }

    /// splitmix64's finaliser after its increment: a bijection that spreads every input bit.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
