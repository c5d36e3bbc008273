// TextEncoder: a small pre-norm transformer from token ids to the cross-attention context.
//   h = tok[ids] + pos;  per layer: h = h + attn(ln1(h)); h = h + mlp(ln2(h)),
//   mlp = Linear(D, 4D), GELU, Linear(4D, D);  context = ln_f(h)
//   ids [N, T] -> context [N, T, D]
// Parameters in PyTorch state_dict order: a module's own parameters come before its submodules',
// so `pos` [T, D] is first, then tok.weight [V, D], layers.i.{ln1, attn, ln2, mlp.0, mlp.2}, ln_f.
// reference: Radford et al., "Language Models are Unsupervised Multitask Learners" (GPT-2, 2019), pre-norm blocks.

public final class TextEncoder {
    final class Layer {
        let norm1: LayerNorm
        let attention: MultiHeadAttention
        let norm2: LayerNorm
        let mlpIn: Linear
        let mlpActivation = GELU()
        let mlpOut: Linear
        let afterAttention = Tensor(shape: [0])
        let output = Tensor(shape: [0])
        let gradientAfterAttention = Tensor(shape: [0])
        let inputGradient = Tensor(shape: [0])

        init(_ scope: ParameterScope, dimension D: Int, headCount: Int, workspace: Workspace, random: inout SeededRandom) {
            norm1 = LayerNorm(scope.child("ln1"), channels: D)
            attention = MultiHeadAttention(scope.child("attn"), embedDimension: D, headCount: headCount, workspace: workspace, random: &random)
            norm2 = LayerNorm(scope.child("ln2"), channels: D)
            mlpIn = Linear(scope.child("mlp").child(0), inputFeatures: D, outputFeatures: 4 * D, random: &random)
            mlpOut = Linear(scope.child("mlp").child(2), inputFeatures: 4 * D, outputFeatures: D, random: &random)
        }

        func forward(_ h: Tensor) -> Tensor {
            afterAttention.setSum(h, attention.forward(norm1.forward(h)))
            output.setSum(afterAttention, mlpOut.forward(mlpActivation.forward(mlpIn.forward(norm2.forward(afterAttention)))))
            return output
        }

        func backward(_ dy: Tensor) -> Tensor {
            let dMLP = norm2.backward(mlpIn.backward(mlpActivation.backward(mlpOut.backward(dy)!))!)
            gradientAfterAttention.setSum(dy, dMLP)
            inputGradient.setSum(gradientAfterAttention, norm1.backward(attention.backward(gradientAfterAttention)))
            return inputGradient
        }
    }

    public let config: ModelConfig
    public let arena = ParameterArena()
    let workspace = Workspace()
    let position: ParameterSlice
    let tokens: Embedding
    let layers: [Layer]
    let finalNorm: LayerNorm
    private let embedded = Tensor(shape: [0])

    public init(config: ModelConfig = ModelConfig(), seed: UInt64 = 2) {
        self.config = config
        var random = SeededRandom(seed: seed)
        let root = ParameterScope(arena: arena)
        let (T, D) = (config.textLength, config.contextDimension)
        position = root.add("pos", shape: [T, D], values: random.normals(T * D, standardDeviation: 0.02))
        tokens = Embedding(root.child("tok"), vocabularySize: config.vocabularySize, dimension: D, random: &random)
        var layers: [Layer] = []
        for i in 0..<config.textLayerCount {
            layers.append(Layer(root.child("layers").child(i), dimension: D, headCount: config.textHeadCount,
                                workspace: workspace, random: &random))
        }
        self.layers = layers
        finalNorm = LayerNorm(root.child("ln_f"), channels: D)
        arena.seal()
    }

    public var parameterNames: [String] { arena.parameterNames }

    /// ids: N captions of `textLength` ids each, concatenated -> context [N, T, D] (owned by the model).
    public func forward(_ ids: [Int32]) -> Tensor {
        let (T, D) = (config.textLength, config.contextDimension)
        precondition(ids.count % T == 0, "TextEncoder: \(ids.count) ids is not a multiple of \(T)")
        let N = ids.count / T
        let token = tokens.forward(ids, shape: [N, T])
        embedded.resize([N, T, D])
        let pos = arena.values + position.offset
        for n in 0..<N {
            let src = token.data + n * T * D, dst = embedded.data + n * T * D
            for i in 0..<(T * D) { dst[i] = src[i] + pos[i] }
        }
        var h = embedded
        for layer in layers { h = layer.forward(h) }
        return finalNorm.forward(h)
    }

    /// dcontext [N, T, D] -> parameter gradients.
    public func backward(_ contextGradient: Tensor) {
        var d = finalNorm.backward(contextGradient)
        for layer in layers.reversed() { d = layer.backward(d) }
        guard arena.requiresGradients else { return }
        let (T, D) = (config.textLength, config.contextDimension), N = d.count / (T * D)
        let dPos = arena.gradients + position.offset
        for n in 0..<N {
            let src = d.data + n * T * D
            for i in 0..<(T * D) { dPos[i] += src[i] }
        }
        tokens.backward(d)
    }
}
