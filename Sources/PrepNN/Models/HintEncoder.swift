// HintEncoder: the reference's `ControlNet.hint`, the condition image down to the latent grid.
//   conv in->h1, SiLU, h1->h1, SiLU, h1->h2 stride 2, SiLU, h2->h2, SiLU, h2->h3 stride 2, SiLU,
//   zero conv h3->width (all 3x3, padding 1): parameters hint.0, 2, 4, 6, 8, 10.
//   (h1, h2, h3) = ModelConfig.hintWidths, the reference's (16, 32, 96) by default.
//   cond [N, 3, 4H, 4W] -> hint [N, width, H, W]

final class HintEncoder {
    let convolutions: [Conv2d]
    let activations: [SiLU]

    init(_ scope: ParameterScope, inputChannels: Int, widths: [Int], width: Int, workspace: Workspace,
         random: inout SeededRandom) {
        precondition(widths.count == 3, "HintEncoder: \(widths.count) widths, expected 3 (h1, h2, h3)")
        let (h1, h2, h3) = (widths[0], widths[1], widths[2])
        let layout: [(input: Int, output: Int, stride: Int)] = [
            (inputChannels, h1, 1), (h1, h1, 1), (h1, h2, 2), (h2, h2, 1), (h2, h3, 2), (h3, width, 1),
        ]
        convolutions = layout.enumerated().map { index, layer in
            Conv2d(scope.child(2 * index), inputChannels: layer.input, outputChannels: layer.output, kernelSize: 3,
                   stride: layer.stride, padding: 1, zeroInitialized: index == layout.count - 1,
                   workspace: workspace, random: &random)
        }
        activations = (0..<(layout.count - 1)).map { _ in SiLU() }
    }

    func forward(_ condition: Tensor) -> Tensor {
        var h = condition
        for (index, conv) in convolutions.enumerated() {
            h = conv.forward(h)
            if index < activations.count { h = activations[index].forward(h) }
        }
        return h
    }

    /// Accumulates parameter gradients; the condition image needs no gradient.
    func backward(_ dy: Tensor) {
        var d = dy
        for index in convolutions.indices.reversed() {
            if index < activations.count { d = activations[index].backward(d) }
            guard let dx = convolutions[index].backward(d, computeInputGradient: index > 0) else { break }
            d = dx
        }
    }
}
