/**
 * Text that reaches records and messages (device and region names, kernel messages, lspci names,
 * file paths in a dump's command line) is decoded as UTF-8, as QEMU, the kernel and pciutils write
 * it. A byte that is not part of well-formed UTF-8 is kept visible as the four characters `\xNN`
 * instead of a U+FFFD that would hide which byte it was.
 */
import {isUtf8} from 'node:buffer'
import {hexDigits} from '../util/hex.js'

export function decodeUtf8(buf: Buffer, start = 0, end = buf.length): string {
  let ascii = true
  for (let i = start; i < end; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false
      break
    }
  }
  // ASCII reads the same in every decoding, and latin1 is the cheapest.
  if (ascii) return buf.toString('latin1', start, end)
  const view = buf.subarray(start, end)
  if (isUtf8(view)) return view.toString('utf8')
  return decodeWithEscapes(view)
}

function decodeWithEscapes(bytes: Buffer): string {
  let out = ''
  let runStart = 0
  let i = 0
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i)
    if (n > 0) {
      i += n
      continue
    }
    out += bytes.toString('utf8', runStart, i) + `\\x${hexDigits(bytes[i]!, 2)}`
    i++
    runStart = i
  }
  return out + bytes.toString('utf8', runStart, i)
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0 if there is none. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i]!
  if (c < 0x80) return 1
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0
  return 0
}
