/// A small seedable random number generator (SplitMix64, Steele, Lea and Flood 2014).
///
/// Swift's system generator cannot be seeded, and the standard library does not
/// promise that `Int.random(in:using:)` draws the same way in every release; a
/// synthetic roster must be byte-identical for a seed on every machine and
/// toolchain, so the generator and every draw made from it are defined here,
/// with integer arithmetic and exactly rounded multiplications only.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `0..<bound`.
    ///
    /// Lemire's multiply-and-shift: the bias is below bound / 2^64, nothing
    /// for the small bounds a roster needs, and no draw is ever rejected, so
    /// every member takes the same number of draws whatever its values.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(_:) needs a positive bound")
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A number in `[0, 1)` with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }
}
