// Workspace: scratch buffers shared by the layers of one model (im2col columns, transposed
// gradients, attention score gradients). Layers run one at a time, so one set per model is enough;
// each slot grows to the largest request and is never shrunk.

final class Workspace {
    private var slots: [UnsafeMutablePointer<Float>] = []
    private var capacities: [Int] = []

    init() {}

    deinit { for slot in slots { slot.deallocate() } }

    /// Scratch slot `index` with room for at least `count` floats; contents unspecified.
    /// A pointer stays valid until the next request for the same slot.
    func buffer(_ index: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while slots.count <= index {
            slots.append(.allocate(capacity: 1))
            capacities.append(1)
        }
        if capacities[index] < count {
            slots[index].deallocate()
            slots[index] = .allocate(capacity: count)
            capacities[index] = count
        }
        return slots[index]
    }
}
