/// The perceptual hashes of the records kept so far, searchable for the nearest one within a
/// Hamming distance: multi-index hashing. The 64 bits are cut into `maxDistance + 1` bands; two
/// hashes at most `maxDistance` bits apart agree exactly on at least one band (pigeonhole), so the
/// candidates are the entries that share a band value with the query, each then checked in full.
/// reference: M. Norouzi, A. Punjani, D. J. Fleet, "Fast Search in Hamming Space with
/// Multi-Index Hashing", CVPR 2012.
struct NearDuplicateIndex {
    let maxDistance: Int
    /// (shift, mask) of each band.
    private let bands: [(shift: Int, mask: UInt64)]
    /// Per band: band value -> entry numbers.
    private var tables: [[UInt64: [Int32]]]
    private var hashes: [UInt64] = []
    private var keys: [String] = []

    init(maxDistance: Int) {
        precondition((0...63).contains(maxDistance), "a 64-bit hash has distances 0...64; max distance \(maxDistance)")
        self.maxDistance = maxDistance
        let count = maxDistance + 1
        var bands: [(Int, UInt64)] = []
        var start = 0
        for band in 0..<count {
            let width = 64 / count + (band < 64 % count ? 1 : 0)
            bands.append((start, width == 64 ? ~0 : (UInt64(1) << width) - 1))
            start += width
        }
        self.bands = bands
        tables = Array(repeating: [:], count: count)
    }

    var count: Int { hashes.count }

    mutating func insert(_ hash: UInt64, key: String) {
        let entry = Int32(hashes.count)
        hashes.append(hash)
        keys.append(key)
        for (band, (shift, mask)) in bands.enumerated() {
            tables[band][(hash >> UInt64(shift)) & mask, default: []].append(entry)
        }
    }

    /// The kept entry nearest to `hash` if one is within `maxDistance`; ties go to the earliest
    /// inserted (the lowest source row, as records are inserted in row order).
    func nearest(to hash: UInt64) -> (key: String, distance: Int)? {
        var best: (entry: Int32, distance: Int)?
        for (band, (shift, mask)) in bands.enumerated() {
            for entry in tables[band][(hash >> UInt64(shift)) & mask] ?? [] {
                let distance = PerceptualHash.hammingDistance(hash, hashes[Int(entry)])
                guard distance <= maxDistance else { continue }
                if best == nil || (distance, entry) < (best!.distance, best!.entry) { best = (entry, distance) }
            }
        }
        return best.map { (keys[Int($0.entry)], $0.distance) }
    }
}
