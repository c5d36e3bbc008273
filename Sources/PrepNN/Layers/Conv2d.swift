// Conv2d: 2-D convolution over NCHW, square kernel, stride and zero padding, as torch.nn.Conv2d.
//   x [N, C, H, W] -> y [N, O, Ho, Wo], Ho = (H + 2 * padding - kernel) / stride + 1
//   weight [O, C, kernel, kernel], bias [O]
// Fast path: im2col over the whole batch into columns [C*k*k, N*Ho*Wo], one sgemm, then a
// transpose from [O, N*P] to [N, O, P] with the bias added. A trainable layer keeps its columns
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
        let product = workspace.buffer(1, count: O * NP)
        imageToColumns(x.data, columns, N: N, C: C, H: H, W: W, Ho: Ho, Wo: Wo)
        GEMM.multiply(m: O, n: NP, k: K, a: arena.values + weight.offset, lda: K, b: columns, ldb: NP, c: product, ldc: NP)
        let y = output.data, b = arena.values + bias.offset
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
        // dy as [O, N*P], the layout of the forward product.
        let dyT = workspace.buffer(2, count: O * NP)
        for n in 0..<N {
            for o in 0..<O {
                let src = dy.data + (n * O + o) * P, dst = dyT + o * NP + n * P
                for p in 0..<P { dst[p] = src[p] }
            }
        }
        if arena.requiresGradients {
            let db = arena.gradients + bias.offset
            for o in 0..<O {
                var sum: Float = 0
                let row = dyT + o * NP
                for i in 0..<NP { sum += row[i] }
                db[o] += sum
            }
            var columns = columnCache.data
            if !columnsCached || columnCache.count != K * NP {
                columns = workspace.buffer(0, count: K * NP)
                imageToColumns(x.data, columns, N: N, C: C, H: H, W: W, Ho: Ho, Wo: Wo)
            }
            // dW [O, K] += dyT [O, NP] * columns^T [NP, K]
            GEMM.multiply(transposeB: true, m: O, n: K, k: NP, a: dyT, lda: NP, b: columns, ldb: NP,
                          beta: 1, c: arena.gradients + weight.offset, ldc: K)
        }
        guard computeInputGradient else { return nil }
        // dcolumns [K, NP] = W^T [K, O] * dyT [O, NP]
        let columnGradient = workspace.buffer(1, count: K * NP)
        GEMM.multiply(transposeA: true, m: K, n: NP, k: O, a: arena.values + weight.offset, lda: K, b: dyT, ldb: NP,
                      c: columnGradient, ldc: NP)
        inputGradient.resize(x.shape)
        inputGradient.zero()
        columnsToImage(columnGradient, inputGradient.data, N: N, C: C, H: H, W: W, Ho: Ho, Wo: Wo)
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
