/**
 * pci_iomap_range (lib/pci_iomap.c up to 6.x, drivers/pci/iomap.c in 6.12; same logic): NULL when
 * pci_resource_len(bar) <= offset or pci_resource_start(bar) is 0 (tested in that order, the start
 * only when the length passed); otherwise the range is clipped to the BAR end and to maxlen (when
 * maxlen != 0) and mapped with ioport_map (IO) or ioremap (MEM); a BAR with neither flag gives NULL.
 * ioport_map/ioremap themselves are assumed to succeed.
 */
import type {ProbeRecorder} from './recorder.js'

export type IomapResult = {readonly ok: true; readonly mapped: number} | {readonly ok: false; readonly why: string}

export function pciIomapRange(rec: ProbeRecorder, bar: number, offset: number, maxlen: number): IomapResult {
  const len = rec.resourceLen(bar)
  if (len <= offset) return {ok: false, why: `pci_resource_len(${bar}) ${len} <= offset ${offset}`}
  const start = rec.resourceStart(bar)
  if (start === 0) return {ok: false, why: `pci_resource_start(${bar}) is 0`}
  const kind = rec.resourceKind(bar)
  if (kind === 'none') return {ok: false, why: `BAR ${bar} is neither IO nor MEM`}
  const available = len - offset
  return {ok: true, mapped: maxlen !== 0 && available > maxlen ? maxlen : available}
}
