/**
 * One function's config space as the guest saw it: every byte that some input showed, with where it
 * came from; every other byte unknown.
 *
 * Width rule (QEMU's pci_cfg_* events carry no access width). When the width is known (paired with a
 * pci-conf-data / MMCONFIG access, or stated by the input) the read covers exactly `width` bytes:
 * origin 'read'. When it is not known:
 *  - the bytes inside the narrowest width that holds the value (1 if value <= 0xff, 2 if <= 0xffff,
 *    else 4) were certainly read: origin 'read-narrowest';
 *  - the bytes from there up to the widest access the offset's alignment allows (4 at offset%4 == 0,
 *    2 at offset%4 == 2, 1 otherwise) MAY have been read as 0: origin 'inferred', value 0.
 * Any later certain observation (read, read-narrowest, dump) replaces an inferred byte; an inferred
 * byte never replaces a certain one. Inferences that disagree would make the byte unknown, but every
 * inference is 0, so two of them never disagree. The model sees the `inferred` flag on every read
 * that touches such a byte.
 */
import {PCI_HEADER_TYPE} from '../pci/layout.js'
import {UNKNOWN_HEADER, headerLayout} from '../pci/header-layout.js'
import type {SourceRef} from '../util/source.js'
import type {ByteFact, ByteOrigin, ConfigByte, ConfigImageView} from './types.js'

export type AccessWidth = 1 | 2 | 4

/** Per-byte history cap: BAR sizing and command toggles repeat on every enumeration. */
const HISTORY_CAP = 64
const CONVENTIONAL_SIZE = 256
const EXTENDED_SIZE = 4096


/** The header type byte as read (an inferred byte says nothing). */
export function headerTypeOf(image: ConfigImageView): number | undefined {
  const b = image.byte(PCI_HEADER_TYPE)?.current
  return b && b.origin !== 'inferred' ? b.value : undefined
}

/** Smallest access width that can carry `value`. */
export function narrowestWidth(value: number): AccessWidth {
  if (value <= 0xff) return 1
  if (value <= 0xffff) return 2
  return 4
}

/** Widest naturally aligned access that can start at `offset`. */
export function widestAlignedWidth(offset: number): AccessWidth {
  if (offset % 4 === 0) return 4
  if (offset % 4 === 2) return 2
  return 1
}

function inImage(offset: number): boolean {
  return offset >= 0 && offset < EXTENDED_SIZE
}

/** Byte `i` (little-endian) of a config value: >>> is exact below 2^32, division beyond. */
function byteOf(value: number, i: number): number {
  return value >= 0 && value <= 0xffffffff ? (value >>> (8 * i)) & 0xff : Math.floor(value / 2 ** (8 * i)) & 0xff
}

interface ByteState {
  current?: ByteFact
  history?: ByteFact[]
  historyOmitted: number
}

/** Reports a read-only byte whose value changed (the caller turns it into a warning). */
export type ReadOnlyConflictHandler = (offset: number, before: ByteFact, after: ByteFact) => void
/** Reports a byte lspci decoded as one value while hex or a read shows another. */
export type DecodeConflictHandler = (offset: number, decoded: ByteFact, other: ByteFact) => void

export class ConfigImage implements ConfigImageView {
  private readonly bytes: (ByteState | undefined)[] = []
  private known = 0
  private extended = false

  constructor(
    private readonly onReadOnlyConflict?: ReadOnlyConflictHandler,
    private readonly onDecodeConflict?: DecodeConflictHandler,
  ) {}

  get size(): number {
    return this.extended ? EXTENDED_SIZE : CONVENTIONAL_SIZE
  }

  get knownCount(): number {
    return this.known
  }

  byte(offset: number): ConfigByte | undefined {
    const state = this.bytes[offset]
    if (!state?.current) return undefined
    const view: {current: ByteFact; history?: readonly ByteFact[]; historyOmitted?: number} = {current: state.current}
    if (state.history) view.history = state.history
    if (state.historyOmitted > 0) view.historyOmitted = state.historyOmitted
    return view
  }

  /** A guest read of `value` at `offset`; `width` undefined when the input does not say. */
  observeRead(offset: number, value: number, width: AccessWidth | undefined, src: SourceRef, seq: number): void {
    if (width !== undefined) {
      for (let i = 0; i < width; i++) this.applyCertain(offset + i, byteOf(value, i), 'read', src, seq)
      return
    }
    const certainWidth = narrowestWidth(value)
    const reach = Math.max(certainWidth, widestAlignedWidth(offset))
    for (let i = 0; i < certainWidth; i++) this.applyCertain(offset + i, byteOf(value, i), 'read-narrowest', src, seq)
    for (let i = certainWidth; i < reach; i++) this.applyInferred(offset + i, {value: 0, origin: 'inferred', src, seq})
  }

  /** A guest write: history only. Without a width, only the bytes the value certainly spans. */
  observeWrite(offset: number, value: number, width: AccessWidth | undefined, src: SourceRef, seq: number): void {
    const span = width ?? narrowestWidth(value)
    for (let i = 0; i < span; i++) {
      const off = offset + i
      if (!inImage(off)) continue
      const state = this.state(off)
      // The history starts with what was known before the first write.
      if (!state.history && state.current) state.history = [state.current]
      this.appendHistory(state, {value: byteOf(value, i), origin: 'write', src, seq})
    }
  }

  /**
   * The guest wrote back, after sizing, the dword it had read at `offset` (a BAR or ROM register, the
   * caller knows which): the register holds it again. The sizing reply stays in the history. Bytes
   * from `certainBytes` up were only inferred to be 0 in that earlier read, and are again.
   */
  observeRestore(offset: number, value: number, certainBytes: number, src: SourceRef, seq: number): void {
    for (let i = 0; i < 4; i++) {
      const state = this.bytes[offset + i]
      if (!state?.current) continue
      const fact: ByteFact = i < certainBytes ? {value: byteOf(value, i), origin: 'restored', src, seq} : {value: 0, origin: 'inferred', src, seq}
      state.current = fact
      this.appendHistory(state, fact)
    }
  }

  /** A static dump of bytes [0, bytes.length). */
  observeDump(bytes: Uint8Array, sourceOf: (offset: number) => SourceRef, seq: number): void {
    for (let off = 0; off < bytes.length && off < EXTENDED_SIZE; off++) {
      this.applyCertain(off, bytes[off]!, 'dump', sourceOf(off), seq)
    }
  }

  /**
   * A byte lspci decoded from the config space and printed as text. It fills a byte no hex or read
   * has shown; where one has, the two must agree (a disagreement is reported and the other wins).
   */
  observeDecoded(offset: number, value: number, src: SourceRef, seq: number): void {
    if (!inImage(offset)) return
    const state = this.state(offset)
    const cur = state.current
    const fact: ByteFact = {value, origin: 'lspci-decode', src, seq}
    if (!cur) {
      this.known++
      state.current = fact
    } else if (cur.origin === 'inferred') {
      state.current = fact
    } else if (cur.value !== value) {
      this.onDecodeConflict?.(offset, fact, cur)
    }
  }

  private state(offset: number): ByteState {
    let state = this.bytes[offset]
    if (!state) {
      state = {historyOmitted: 0}
      this.bytes[offset] = state
    }
    if (offset >= CONVENTIONAL_SIZE) this.extended = true
    return state
  }

  /** Takes the fact's fields, not a fact: a re-read of an unchanged byte (most reads) allocates nothing. */
  private applyCertain(offset: number, value: number, origin: ByteOrigin, src: SourceRef, seq: number): void {
    if (!inImage(offset)) return
    const state = this.state(offset)
    const cur = state.current
    if (cur?.origin === 'lspci-decode') {
      // Hex or a read of a byte lspci only decoded: it replaces the decode, which must agree.
      if (cur.value !== value) this.onDecodeConflict?.(offset, cur, {value, origin, src, seq})
      state.current = {value, origin, src, seq}
      return
    }
    if (cur?.origin === 'restored' && cur.value === value) {
      // A read confirming the written-back value: the read is the better source.
      state.current = {value, origin, src, seq}
      this.appendHistory(state, state.current)
      return
    }
    if (cur && cur.origin !== 'inferred' && cur.value === value) {
      // Same value again: only worth recording after a write (the write did not change it).
      const lastInHistory = state.history?.[state.history.length - 1]
      if (lastInHistory && lastInHistory.origin === 'write') this.appendHistory(state, {value, origin, src, seq})
      return
    }
    const fact: ByteFact = {value, origin, src, seq}
    if (!cur) {
      this.known++
      state.current = fact
      if (state.history) this.appendHistory(state, fact)
      return
    }
    if (cur.origin === 'inferred') {
      // The inference was a stand-in for this very observation: replace it, no change to record.
      state.current = fact
      if (state.history) this.appendHistory(state, fact)
      return
    }
    if (!state.history) state.history = [cur]
    this.appendHistory(state, fact)
    state.current = fact
    if (this.isReadOnly(offset)) this.onReadOnlyConflict?.(offset, cur, fact)
  }

  /** Header bytes no guest write can change, by the header type as read (a bridge's 0x2c is its
   * writable prefetchable limit, an endpoint's the subsystem vendor id). A changed read value of one
   * means a different device. */
  private isReadOnly(offset: number): boolean {
    const layout = headerLayout(headerTypeOf(this)) ?? UNKNOWN_HEADER
    return layout.readOnly.has(offset)
  }

  /** Only fills a byte nobody has seen; a known byte (certain or already inferred) stays as it is. */
  private applyInferred(offset: number, fact: ByteFact): void {
    if (offset >= EXTENDED_SIZE) return
    const state = this.state(offset)
    if (state.current) return
    this.known++
    state.current = fact
  }

  private appendHistory(state: ByteState, fact: ByteFact): void {
    state.history ??= []
    if (state.history.length >= HISTORY_CAP) {
      state.historyOmitted++
      return
    }
    state.history.push(fact)
  }
}
