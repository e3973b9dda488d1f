/**
 * Generated config-like byte strings for the hex dump properties: runs of equal rows and all-zero
 * rows (what makes hexdump, od and xxd -a print `*`), sizes 64, 256 and 4096 and any other length.
 */
import fc from 'fast-check'

const row = fc.oneof(
  {weight: 3, arbitrary: fc.uint8Array({minLength: 16, maxLength: 16})},
  {weight: 3, arbitrary: fc.constant(new Uint8Array(16))},
  {weight: 1, arbitrary: fc.integer({min: 0, max: 255}).map((b) => new Uint8Array(16).fill(b))},
)

/** Rows, each repeated 1-6 times, cut to a length: 64 or 256 bytes 40% of the time, 4096 5%, else up to 400. */
export const configLikeBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.array(fc.tuple(row, fc.integer({min: 1, max: 6})), {minLength: 1, maxLength: 40}),
    fc.oneof({weight: 8, arbitrary: fc.constantFrom(64, 256)}, {weight: 1, arbitrary: fc.constant(4096)}, {weight: 11, arbitrary: fc.integer({min: 1, max: 400})}),
  )
  .map(([runs, length]) => {
    const out = new Uint8Array(length)
    let pos = 0
    while (pos < length) {
      for (const [r, times] of runs) {
        for (let t = 0; t < times && pos < length; t++) {
          out.set(r.subarray(0, Math.min(16, length - pos)), pos)
          pos += 16
        }
        if (pos >= length) break
      }
    }
    return out
  })
