// Pixel unshuffle and shuffle with factor r (F.pixel_unshuffle / F.pixel_shuffle):
//   unshuffle: x [N, C, H, W] -> y [N, C*r*r, H/r, W/r], y[n, c*r*r + i*r + j, h, w] = x[n, c, h*r + i, w*r + j]
//   shuffle is its inverse. Each is the other's backward (a permutation).
// The 64x64x3 image becomes the 16x16x48 latent with r = 4.

public enum PixelShuffle {
    public static func unshuffle(_ x: Tensor, factor r: Int) -> Tensor {
        let (N, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(H % r == 0 && W % r == 0, "pixel unshuffle: \(H)x\(W) not divisible by \(r)")
        let (Ho, Wo) = (H / r, W / r)
        let y = Tensor(shape: [N, C * r * r, Ho, Wo])
        permute(x, y, N: N, C: C, Ho: Ho, Wo: Wo, r: r, toUnshuffled: true)
        return y
    }

    public static func shuffle(_ x: Tensor, factor r: Int) -> Tensor {
        let (N, Cr, Ho, Wo) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(Cr % (r * r) == 0, "pixel shuffle: \(Cr) channels not divisible by \(r * r)")
        let C = Cr / (r * r)
        let y = Tensor(shape: [N, C, Ho * r, Wo * r])
        permute(y, x, N: N, C: C, Ho: Ho, Wo: Wo, r: r, toUnshuffled: false)
        return y
    }

    /// Moves elements between the image layout `image` and the unshuffled layout `packed`.
    private static func permute(_ image: Tensor, _ packed: Tensor, N: Int, C: Int, Ho: Int, Wo: Int, r: Int, toUnshuffled: Bool) {
        let (H, W) = (Ho * r, Wo * r)
        for n in 0..<N {
            for c in 0..<C {
                for i in 0..<r {
                    for j in 0..<r {
                        let packedPlane = packed.data + ((n * C + c) * r * r + i * r + j) * Ho * Wo
                        let imagePlane = image.data + (n * C + c) * H * W
                        for h in 0..<Ho {
                            for w in 0..<Wo {
                                let imageIndex = (h * r + i) * W + w * r + j
                                if toUnshuffled {
                                    packedPlane[h * Wo + w] = imagePlane[imageIndex]
                                } else {
                                    imagePlane[imageIndex] = packedPlane[h * Wo + w]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
