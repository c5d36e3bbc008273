// Conv2d: 2-D convolution over NCHW, square kernel, stride and zero padding, as torch.nn.Conv2d.
//   x [N, C, H, W] -> y [N, O, Ho, Wo], Ho = (H + 2 * padding - kernel) / stride + 1
//   weight [O, C, kernel, kernel], bias [O]
// Fast path: im2col over the whole batch into columns [C*k*k, N*Ho*Wo]; then, for large images
// (P = Ho*Wo >= 256), one sgemm per image straight into NCHW (images split across cores), else one
// sgemm for the batch and a transpose from [O, N*P] to [N, O, P] with the bias added. A trainable layer keeps its columns
// for the weight gradient; a locked one uses the shared workspace and keeps nothing.
// `referenceForward` is the direct-loop oracle the tests compare with.

final class Conv2d {
    let inputChannels: Int
    let outputChannels: Int
    let kernelSize: Int
    let stride: Int
    let padding: Int
    let weight: ParameterSlice
    let bias: ParameterSlice
    let arena: ParameterArena
    let workspace: Workspace

    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?
    private let columnCache = Tensor(shape: [0])
    private var columnsCached = false

    /// PyTorch's default initialisation, or all zeros for a zero convolution.
    init(
        _ scope: ParameterScope, inputChannels: Int, outputChannels: Int, kernelSize: Int,
        stride: Int = 1, padding: Int, zeroInitialized: Bool = false,
        workspace: Workspace, random: inout SeededRandom
    ) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.arena = scope.arena
        self.workspace = workspace
        let fanIn = inputChannels * kernelSize * kernelSize
        let weightCount = outputChannels * fanIn
        weight = scope.add(
            "weight", shape: [outputChannels, inputChannels, kernelSize, kernelSize],
            values: zeroInitialized ? Initialization.constant(weightCount, 0)
                : Initialization.fanInUniform(weightCount, fanIn: fanIn, random: &random))
        bias = scope.add(
            "bias", shape: [outputChannels],
            values: zeroInitialized ? Initialization.constant(outputChannels, 0)
                : Initialization.fanInUniform(outputChannels, fanIn: fanIn, random: &random))
    }

    /// Output positions per image from which the per-image products pay.
    static let perImageMinimum = 256

    func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }

    func forward(_ x: Tensor) -> Tensor {
        let (N, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(C == inputChannels, "Conv2d: \(C) input channels, expected \(inputChannels)")
        let (O, Ho, Wo) = (outputChannels, outputSize(H), outputSize(W))
        let P = Ho * Wo, K = C * kernelSize * kernelSize, NP = N * P
        input = x
        output.resize([N, O, Ho, Wo])
        columnsCached = arena.requiresGradients
        let columns: UnsafeMutablePointer<Float>
        if columnsCached {
            columnCache.resize([K, NP])
            columns = columnCache.data
        } else {
            columns = workspace.buffer(0, count: K * NP)
        }
        imageToColumns(x.data, columns, N: N, C: C, H: H, W: W, Ho: Ho, Wo: Wo)
        let y = output.data, b = arena.values + bias.offset, w = arena.values + weight.offset
        if P >= Self.perImageMinimum {
            for n in 0..<N {
                for o in 0..<O { (y + (n * O + o) * P).update(repeating: b[o], count: P) }
            }
            Parallel.forEachChunk(N, minimumCount: 2) { images in
                for n in images {
                    GEMM.multiply(m: O, n: P, k: K, a: w, lda: K, b: columns + n * P, ldb: NP, beta: 1,
                                  c: y + n * O * P, ldc: P, parallel: false)
                }
            }
            return output
        }
        let product = workspace.buffer(1, count: O * NP)
        GEMM.multiply(m: O, n: NP, k: K, a: w, lda: K, b: columns, ldb: NP, c: product, ldc: NP)
        for n in 0..<N {
            for o in 0..<O {
                let dst = y + (n * O + o) * P, src = product + o * NP + n * P, bo = b[o]
                for p in 0..<P { dst[p] = src[p] + bo }
            }
        }
        return output
    }

    /// dy [N, O, Ho, Wo]; accumulates dweight and dbias (unless the arena is locked); returns dx,
    /// or nil when `computeInputGradient` is false.
    @discardableResult
    func backward(_ dy: Tensor, computeInputGradient: Bool = true) -> Tensor? {
        guard let x = input else { preconditionFailure("Conv2d.backward before forward") }
        let (N, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (O, Ho, Wo) = (outputChannels, outputSize(H), outputSize(W))
        let P = Ho * Wo, K = C * kernelSize * kernelSize, NP = N * P
        precondition(dy.count == N * O * P, "Conv2d.backward: gradient \(dy.shape) for output [\(N), \(O), \(Ho), \(Wo)]")
        let w = arena.values + weight.offset
        if arena.requiresGradients {
            let db = arena.gradients + bias.offset
            for o in 0..<O {
                var sum: Float = 0
                for n in 0..<N {
                    let row = dy.data + (n * O + o) * P
                    for p in 0..<P { sum += row[p] }
                }
                db[o] += sum
            }
        }
        let columns = cachedOrRecomputedColumns(x, K: K, NP: NP)
        if P >= Self.perImageMinimum {
            // Straight from dy in NCHW, one image at a time.
            if let columns {
                // dW [O, K] += dy_n [O, P] * columns_n^T [P, K]
                for n in 0..<N {
                    GEMM.multiply(transposeB: true, m: O, n: K, k: P, a: dy.data + n * O * P, lda: P, b: columns + n * P, ldb: NP,
                                  beta: 1, c: arena.gradients + weight.offset, ldc: K)
                }
            }
            guard computeInputGradient else { return nil }
            // dcolumns_n [K, P] = W^T [K, O] * dy_n [O, P]
            let columnGradient = workspace.buffer(1, count: K * NP)
            Parallel.forEachChunk(N, minimumCount: 2) { images in
                for n in images {
                    GEMM.multiply(transposeA: true, m: K, n: P, k: O, a: w, lda: K, b: dy.data + n * O * P, ldb: P,
                                  c: columnGradient + n * P, ldc: NP, parallel: false)
                }
            }
            return scatterColumnGradient(columnGradient, like: x, Ho: Ho, Wo: Wo)
        }
        // dy as [O, N*P], the layout of the batched forward product.
        let dyT = workspace.buffer(2, count: O * NP)
        for n in 0..<N {
            for o in 0..<O {
                (dyT + o * NP + n * P).update(from: dy.data + (n * O + o) * P, count: P)
            }
        }
        if let columns {
            // dW [O, K] += dyT [O, NP] * columns^T [NP, K]
            GEMM.multiply(transposeB: true, m: O, n: K, k: NP, a: dyT, lda: NP, b: columns, ldb: NP,
                          beta: 1, c: arena.gradients + weight.offset, ldc: K)
        }
        guard computeInputGradient else { return nil }
        // dcolumns [K, NP] = W^T [K, O] * dyT [O, NP]
        let columnGradient = workspace.buffer(1, count: K * NP)
        GEMM.multiply(transposeA: true, m: K, n: NP, k: O, a: w, lda: K, b: dyT, ldb: NP, c: columnGradient, ldc: NP)
        return scatterColumnGradient(columnGradient, like: x, Ho: Ho, Wo: Wo)
    }

    /// The forward's columns when cached, else recomputed into the workspace; nil for a locked layer
    /// (no weight gradient, no columns needed).
    private func cachedOrRecomputedColumns(_ x: Tensor, K: Int, NP: Int) -> UnsafeMutablePointer<Float>? {
        guard arena.requiresGradients else { return nil }
        if columnsCached && columnCache.count == K * NP { return columnCache.data }
        let columns = workspace.buffer(0, count: K * NP)
        imageToColumns(x.data, columns, N: x.shape[0], C: x.shape[1], H: x.shape[2], W: x.shape[3],
                       Ho: outputSize(x.shape[2]), Wo: outputSize(x.shape[3]))
        return columns
    }

    /// dx = col2im(dcolumns) into `inputGradient`.
    private func scatterColumnGradient(_ columnGradient: UnsafePointer<Float>, like x: Tensor, Ho: Int, Wo: Int) -> Tensor {
        inputGradient.resize(x.shape)
        inputGradient.zero()
        columnsToImage(columnGradient, inputGradient.data, N: x.shape[0], C: x.shape[1], H: x.shape[2], W: x.shape[3], Ho: Ho, Wo: Wo)
        return inputGradient
    }

    /// columns[(c * k + i) * k + j, n * P + oy * Wo + ox] = x[n, c, oy * s - pad + i, ox * s - pad + j] (0 outside).
    /// Channels are split across cores; within a row the valid ox form one run (a copy for stride 1).
    private func imageToColumns(_ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                                N: Int, C: Int, H: Int, W: Int, Ho: Int, Wo: Int) {
        let k = kernelSize, s = stride, pad = padding, P = Ho * Wo, NP = N * P
        Parallel.forEachChunk(C, minimumCount: C * k * k * NP >= 1 << 16 ? 2 : Int.max) { channels in
            for c in channels {
                for i in 0..<k {
                    for j in 0..<k {
                        let row = columns + ((c * k + i) * k + j) * NP
                        let (first, end) = Self.validRange(offset: j - pad, stride: s, inputSize: W, outputSize: Wo)
                        for n in 0..<N {
                            let plane = x + (n * C + c) * H * W
                            for oy in 0..<Ho {
                                let dst = row + n * P + oy * Wo
                                let iy = oy * s - pad + i
                                if iy < 0 || iy >= H || first >= end {
                                    dst.update(repeating: 0, count: Wo)
                                    continue
                                }
                                if first > 0 { dst.update(repeating: 0, count: first) }
                                if end < Wo { (dst + end).update(repeating: 0, count: Wo - end) }
                                let src = plane + iy * W + j - pad
                                if s == 1 {
                                    (dst + first).update(from: src + first, count: end - first)
                                } else {
                                    for ox in first..<end { dst[ox] = src[ox * s] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of imageToColumns: dx[n, c, iy, ix] += columns[...] for every position it was read from.
    private func columnsToImage(_ columns: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                N: Int, C: Int, H: Int, W: Int, Ho: Int, Wo: Int) {
        let k = kernelSize, s = stride, pad = padding, P = Ho * Wo, NP = N * P
        Parallel.forEachChunk(C, minimumCount: C * k * k * NP >= 1 << 16 ? 2 : Int.max) { channels in
            for c in channels {
                for i in 0..<k {
                    for j in 0..<k {
                        let row = columns + ((c * k + i) * k + j) * NP
                        let (first, end) = Self.validRange(offset: j - pad, stride: s, inputSize: W, outputSize: Wo)
                        if first >= end { continue }
                        for n in 0..<N {
                            let plane = dx + (n * C + c) * H * W
                            for oy in 0..<Ho {
                                let iy = oy * s - pad + i
                                if iy < 0 || iy >= H { continue }
                                let src = row + n * P + oy * Wo, dst = plane + iy * W + j - pad
                                if s == 1 {
                                    for ox in first..<end { dst[ox] += src[ox] }
                                } else {
                                    for ox in first..<end { dst[ox * s] += src[ox] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The output columns ox in first..<end whose input column ox * stride + offset lies in 0..<inputSize.
    @inline(__always)
    static func validRange(offset: Int, stride: Int, inputSize: Int, outputSize: Int) -> (Int, Int) {
        // ox * stride + offset >= 0  <=>  ox >= ceil(-offset / stride)
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        // ox * stride + offset <= inputSize - 1  <=>  ox <= floor((inputSize - 1 - offset) / stride)
        let last = inputSize - 1 - offset
        let end = last < 0 ? 0 : min(outputSize, last / stride + 1)
        return (min(first, end), end)
    }

    /// Direct loops in Double: the oracle for `forward`.
    static func referenceForward(
        input x: [Float], shape: (N: Int, C: Int, H: Int, W: Int), weight w: [Float], bias b: [Float],
        outputChannels O: Int, kernelSize k: Int, stride s: Int, padding pad: Int
    ) -> [Float] {
        let (N, C, H, W) = shape
        let Ho = (H + 2 * pad - k) / s + 1, Wo = (W + 2 * pad - k) / s + 1
        var y = [Float](repeating: 0, count: N * O * Ho * Wo)
        for n in 0..<N {
            for o in 0..<O {
                for oy in 0..<Ho {
                    for ox in 0..<Wo {
                        var sum = Double(b[o])
                        for c in 0..<C {
                            for i in 0..<k {
                                for j in 0..<k {
                                    let iy = oy * s - pad + i, ix = ox * s - pad + j
                                    if iy < 0 || iy >= H || ix < 0 || ix >= W { continue }
                                    sum += Double(x[((n * C + c) * H + iy) * W + ix]) * Double(w[((o * C + c) * k + i) * k + j])
                                }
                            }
                        }
                        y[((n * O + o) * Ho + oy) * Wo + ox] = Float(sum)
                    }
                }
            }
        }
        return y
    }
}
