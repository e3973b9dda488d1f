/**
 * The harness's input format (see harness/oracle_glue.c): one case is a few lines, `case ID` ...
 * `end`; the config space is 4096 bytes of hex with `??` for a byte the evidence does not have.
 */
import type {ProbeInput, ResourceFacts} from '../model/input.js'
import {hexDigits} from '../util/hex.js'

export const CONFIG_SPACE_SIZE = 4096
/** The most queues a case gives queue_notify_off for (the harness's limit). */
export const MAX_CASE_QUEUES = 64

/** Failures the harness can inject into the kernel's environment (the model does not model these). */
export interface Injections {
  /** BARs whose region request fails (the PCI core then reports EBUSY). */
  readonly requestFail?: readonly number[]
  /** BARs whose ioremap / ioport_map fails. */
  readonly mapFail?: readonly number[]
  readonly dma64Fail?: boolean
  readonly dma32Fail?: boolean
}

export interface OracleCase {
  readonly id: string
  readonly input: ProbeInput
  readonly injections?: Injections
  /** Extra resource flags per BAR index, for the `%pR` text (`mem64`, `pref`). */
  readonly barFlags?: Readonly<Record<number, readonly ('mem64' | 'pref')[]>>
  /** queue_notify_off of queues 0, 1, ...: after a successful modern probe the harness maps each
   * queue's notify area with the tree's vp_modern_map_vq_notify (where the tree has it). */
  readonly queueNotifyOffs?: readonly number[]
}

const HEX_PAIRS = Array.from({length: 256}, (_, b) => hexDigits(b, 2))

/** Reads all 4096 config bytes one at a time: unknown bytes stay unknown (`??`). */
export function configHex(input: ProbeInput): string {
  const out: string[] = new Array(CONFIG_SPACE_SIZE)
  for (let off = 0; off < CONFIG_SPACE_SIZE; off++) {
    const r = input.config.read(off, 1)
    out[off] = r.known ? HEX_PAIRS[r.value & 0xff]! : '??'
  }
  return out.join('')
}

function hexOrUnknown(v: number | undefined): string {
  return v === undefined ? '?' : v.toString(16)
}

function barLine(index: number, r: ResourceFacts | undefined, extra: readonly string[]): string {
  if (!r) return `bar ${index} 0 0 none`
  let flags: string
  if (r.type === undefined) flags = '?'
  else if (r.type === 'none') flags = 'none'
  else if (r.type === 'io') flags = 'io'
  else flags = extra.includes('mem64') ? 'mem64' : 'mem'
  if (flags !== '?' && flags !== 'none' && extra.includes('pref')) flags += ',pref'
  return `bar ${index} ${hexOrUnknown(r.start)} ${hexOrUnknown(r.len)} ${flags}`
}

const mask = (bars: readonly number[] | undefined): string => (bars ?? []).reduce((m, b) => m | (1 << b), 0).toString(16)

export function serializeCase(c: OracleCase): string {
  if (!/^[\x21-\x7e]+$/.test(c.id)) throw new Error(`oracle case id must be printable without spaces: ${JSON.stringify(c.id)}`)
  const lines = [`case ${c.id}`, `bdf ${c.input.bdf}`, `force_legacy ${c.input.forceLegacy ? 1 : 0}`]
  for (let i = 0; i < 6; i++) {
    const r = c.input.resources.find((x) => x.index === i)
    lines.push(barLine(i, r, c.barFlags?.[i] ?? []))
  }
  const inj = c.injections
  if (inj) {
    const tokens = [`reqfail=${mask(inj.requestFail)}`, `mapfail=${mask(inj.mapFail)}`]
    if (inj.dma64Fail) tokens.push('dma64=fail')
    if (inj.dma32Fail) tokens.push('dma32=fail')
    lines.push(`inject ${tokens.join(' ')}`)
  }
  if (c.queueNotifyOffs && c.queueNotifyOffs.length > MAX_CASE_QUEUES) throw new Error(`oracle case ${c.id}: at most ${MAX_CASE_QUEUES} queues`)
  if (c.queueNotifyOffs?.length) lines.push(`queues ${c.queueNotifyOffs.map((o) => (o & 0xffff).toString(16)).join(' ')}`)
  lines.push(`cfg ${configHex(c.input)}`, 'end', '')
  return lines.join('\n')
}
