extension Array where Element: BitwiseCopyable {
    /// `count` elements whose values are not set, for a buffer whose every element is written
    /// before it is read: skips the zero-fill of `repeating: 0` (megabytes per record in the
    /// blurs).
    static func uninitialized(count: Int) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
