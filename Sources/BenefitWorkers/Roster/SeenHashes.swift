/// A set of 64-bit hashes in one flat array: 8 bytes a slot, at most two thirds full.
///
/// The roster reader's first look for repeated member numbers. A dictionary of
/// the numbers themselves took 24 bytes a slot in a power-of-two table, 192 MB
/// for 4,300,000 members, most of an import's memory; this takes 64 MB. A hash
/// seen twice only makes its number a candidate: the reader confirms it against
/// the numbers themselves (``RosterReader``).
struct SeenHashes {
    /// 0 marks an empty slot; a hash of 0 is stored as 1 (one more harmless candidate).
    private var slots: [UInt64]
    private(set) var count = 0

    /// A set sized for about `expected` hashes; it grows past them.
    init(expected: Int) {
        slots = Array(repeating: 0, count: Swift.max(16, expected + expected / 2))
    }

    /// Adds `hash`; false when it was there already.
    mutating func insert(_ hash: UInt64) -> Bool {
        if (count + 1) * 3 > slots.count * 2 { grow() }
        let stored = hash == 0 ? 1 : hash
        var index = home(of: stored)
        while true {
            let slot = slots[index]
            if slot == 0 {
                slots[index] = stored
                count += 1
                return true
            }
            if slot == stored { return false }
            index = index + 1 == slots.count ? 0 : index + 1
        }
    }

    /// The slot a hash probes first: its place in [0, slots.count), by multiplication.
    private func home(of hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        count = 0
        for hash in old where hash != 0 { _ = insert(hash) }
    }
}
