/**
 * pci_iomap_range (lib/pci_iomap.c up to 6.x, drivers/pci/iomap.c in 6.12; same logic): NULL when
 * pci_resource_len(bar) <= offset or pci_resource_start(bar) is 0 (tested in that order, the start
 * only when the length passed); otherwise the range is clipped to the BAR end and to maxlen (when
 * maxlen != 0) and mapped with ioport_map (IO) or ioremap (MEM); a BAR with neither flag gives NULL.
 * ioport_map/ioremap themselves are assumed to succeed.
 */
import type {ProbeRecorder} from './recorder.js'
import type {IomapFailure} from './types.js'

export type IomapResult = {readonly ok: true; readonly mapped: number} | {readonly ok: false; readonly why: IomapFailure; readonly bar: number}

/** Why pci_iomap_range returned NULL, in the words of the decision path. */
export function iomapFailureText(why: IomapFailure, bar: number): string {
  switch (why.reason) {
    case 'len-le-offset':
      return `pci_resource_len(${bar}) ${why.len} <= offset ${why.offset}`
    case 'start-zero':
      return `pci_resource_start(${bar}) is 0`
    case 'neither-io-nor-mem':
      return `BAR ${bar} is neither IO nor MEM`
  }
}

export function pciIomapRange(rec: ProbeRecorder, bar: number, offset: number, maxlen: number): IomapResult {
  const len = rec.resourceLen(bar)
  if (len <= offset) return {ok: false, why: {reason: 'len-le-offset', len, offset}, bar}
  const start = rec.resourceStart(bar)
  if (start === 0) return {ok: false, why: {reason: 'start-zero'}, bar}
  const kind = rec.resourceKind(bar)
  if (kind === 'none') return {ok: false, why: {reason: 'neither-io-nor-mem'}, bar}
  const available = len - offset
  return {ok: true, mapped: maxlen !== 0 && available > maxlen ? maxlen : available}
}
