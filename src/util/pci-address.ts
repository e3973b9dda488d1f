import {hexDigits} from './hex.js'

/** A PCI function address, domain:bus:device.function. */
export interface PciAddress {
  readonly domain: number
  readonly bus: number
  readonly slot: number
  readonly func: number
}

/** `0000:00:03.0`, the form the kernel prints (dev_name of a PCI device). */
export function formatBdf(a: PciAddress): string {
  return `${hexDigits(a.domain, 4)}:${hexDigits(a.bus, 2)}:${hexDigits(a.slot, 2)}.${hexDigits(a.func, 1)}`
}

/** Bus 0-255, device (slot) 0-31, function 0-7: the 8, 5 and 3 bits a PCI address (and a config
 * access) holds them in. Every ingest checks its addresses with this, so the evidence builder can key
 * functions by number. */
export function isPciAddress(bus: number, slot: number, func: number): boolean {
  return bus >= 0 && bus <= 0xff && slot >= 0 && slot <= 0x1f && func >= 0 && func <= 7
}

const BDF_RE = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/

/** Parses `0000:00:03.0` or `00:03.0` (domain 0). Returns undefined if it is not a BDF. */
export function parseBdf(text: string): PciAddress | undefined {
  const m = BDF_RE.exec(text.trim())
  if (!m) return undefined
  const [bus, slot, func] = [Number.parseInt(m[2]!, 16), Number.parseInt(m[3]!, 16), Number(m[4])]
  if (!isPciAddress(bus, slot, func)) return undefined
  return {domain: m[1] ? Number.parseInt(m[1], 16) : 0, bus, slot, func}
}
