/** `0x1af4`: how every layer writes a number in hex. One parameter, so `.map(hex)` is safe. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`
}

/** `0x0008`: zero-padded to `digits` hex digits. */
export function hexPadded(n: number, digits: number): string {
  return `0x${hexDigits(n, digits)}`
}

/** `0008`: the digits alone, zero-padded to `digits` (bus numbers, dump columns, escapes). */
export function hexDigits(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0')
}
