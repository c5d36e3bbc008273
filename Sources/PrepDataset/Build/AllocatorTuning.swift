import CMalloc

/// glibc's malloc settings for a build, where every record allocates and frees the same
/// working set: a few float planes of the training resolution per stage, on every worker.
///
/// glibc adjusts its mmap threshold to the largest block freed so far (and trims the top of a
/// heap once twice that much is free there). A build left to that rule kept trimming and
/// re-faulting its working set: 440,000 page faults for the 1000-row bench corpus (bench/build,
/// 2 workers) instead of about 9,000, 1.8 s of system time, about 5% of the build. Fixed
/// thresholds, set once per build:
///
///     mmap threshold   max(8 MiB, 4 float planes of resolution^2)   (8 MiB at 512)
///     trim threshold   4 x the mmap threshold                        (32 MiB at 512)
///
/// Only blocks larger than any record's working buffers (a whole decode of a large source that
/// cannot stream, see `StreamingResize`) get their own mapping and go back to the system when
/// freed; everything else is reused from the heap. Peak RSS on that corpus: 100 rows 54.9 MiB,
/// 1000 rows 59.1 MiB (left to glibc: 52.7 and 59.4, with the page faults above).
// reference: mallopt(3), M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (dynamic adjustment).
enum AllocatorTuning {
    /// Sets the thresholds for a build at `resolution`; does nothing outside glibc.
    static func forRecords(resolution: Int) {
        let planeBytes = resolution * resolution * MemoryLayout<Float>.stride
        let mmapThreshold = min(max(8 << 20, 4 * planeBytes), 32 << 20)  // glibc's largest is 32 MiB on 64-bit
        _ = cmalloc_set_thresholds(mmapThreshold, 4 * mmapThreshold)
    }
}
