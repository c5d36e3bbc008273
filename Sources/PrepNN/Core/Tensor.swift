// Tensor: a float32 buffer with a shape, row-major (the last dimension is contiguous).
// Image tensors are NCHW, token tensors are [N, T, C], as in PyTorch.
//
// A layer owns the tensors it writes (its output and its input gradient) and reuses them from one
// step to the next: `resize` keeps the allocation when the new shape fits, so a training loop at a
// fixed batch size allocates nothing after its first step. Contents after `resize` are unspecified;
// call `zero()` before accumulating.

public final class Tensor {
    public private(set) var shape: [Int]
    public private(set) var count: Int
    /// The elements; valid for `count` floats. Internal: hot loops use it, public API uses `values`.
    private(set) var data: UnsafeMutablePointer<Float>
    private var capacity: Int

    /// A zero-filled tensor.
    public init(shape: [Int]) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.count = count
        self.capacity = max(count, 1)
        self.data = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        data.initialize(repeating: 0, count: capacity)
    }

    public convenience init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "Tensor: \(values.count) values for shape \(shape)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { data.deallocate() }

    /// Sets the shape, reallocating only when the element count outgrows the allocation.
    public func resize(_ newShape: [Int]) {
        let newCount = newShape.reduce(1, *)
        if newCount > capacity {
            data.deallocate()
            capacity = newCount
            data = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
            data.initialize(repeating: 0, count: capacity)
        }
        shape = newShape
        count = newCount
    }

    /// Reinterprets the same elements with another shape of the same count (a view, no copy).
    public func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) -> \(newShape) changes the element count")
        shape = newShape
    }

    public func zero() { data.update(repeating: 0, count: count) }

    /// A copy of the elements (and, when set, a copy into them: the count must match).
    public var values: [Float] {
        get { Array(UnsafeBufferPointer(start: data, count: count)) }
        set {
            precondition(newValue.count == count, "Tensor.values: \(newValue.count) values for shape \(shape)")
            newValue.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
        }
    }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    /// Copies another tensor's shape and elements into this one.
    public func copy(from other: Tensor) {
        resize(other.shape)
        data.update(from: other.data, count: count)
    }

    /// self += other (same count).
    public func add(_ other: Tensor) {
        precondition(other.count == count, "Tensor.add: \(other.shape) into \(shape)")
        let a = data, b = other.data
        for i in 0..<count { a[i] += b[i] }
    }

    /// self += scale * other (same count).
    public func add(_ other: Tensor, scaledBy scale: Float) {
        precondition(other.count == count, "Tensor.add: \(other.shape) into \(shape)")
        let a = data, b = other.data
        for i in 0..<count { a[i] += scale * b[i] }
    }

    /// Writes `a + b` into self, resized to their shape.
    public func setSum(_ a: Tensor, _ b: Tensor) {
        precondition(a.count == b.count, "Tensor.setSum: \(a.shape) + \(b.shape)")
        resize(a.shape)
        let y = data, p = a.data, q = b.data
        for i in 0..<count { y[i] = p[i] + q[i] }
    }

    public func scale(by factor: Float) {
        let a = data
        for i in 0..<count { a[i] *= factor }
    }

    /// Squared L2 norm, accumulated in Double.
    public func squaredNorm() -> Double {
        var sum = 0.0
        for i in 0..<count { sum += Double(data[i]) * Double(data[i]) }
        return sum
    }
}

/// Shape helpers for the layouts the models switch between.
enum TensorLayout {
    /// [N, A, B] -> [N, B, A] (e.g. NCHW flattened to [N, C, HW] -> tokens [N, HW, C]).
    static func transposeLastTwo(_ x: Tensor, into y: Tensor) {
        precondition(x.shape.count == 3, "transposeLastTwo expects [N, A, B], got \(x.shape)")
        let (N, A, B) = (x.shape[0], x.shape[1], x.shape[2])
        y.resize([N, B, A])
        transpose(x.data, y.data, batches: N, rows: A, columns: B)
    }

    /// For each of `batches` matrices: out[c, r] = in[r, c].
    @inline(__always)
    static func transpose(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batches: Int, rows: Int, columns: Int) {
        let size = rows * columns
        for n in 0..<batches {
            let src = input + n * size, dst = output + n * size
            // Blocks of 16 x 16 keep both sides in cache.
            var r0 = 0
            while r0 < rows {
                let r1 = min(r0 + 16, rows)
                var c0 = 0
                while c0 < columns {
                    let c1 = min(c0 + 16, columns)
                    for r in r0..<r1 {
                        for c in c0..<c1 { dst[c * rows + r] = src[r * columns + c] }
                    }
                    c0 = c1
                }
                r0 = r1
            }
        }
    }
}
