/** Values of known bytes of a config image (undefined as soon as one byte is unknown). */
import type {ConfigImageView} from './types.js'

export function knownByte(image: ConfigImageView, offset: number): number | undefined {
  return image.byte(offset)?.current.value
}

/** Little-endian dword at `offset`. */
export function knownDword(image: ConfigImageView, offset: number): number | undefined {
  let value = 0
  for (let i = 3; i >= 0; i--) {
    const b = knownByte(image, offset + i)
    if (b === undefined) return undefined
    value = value * 256 + b
  }
  return value
}
