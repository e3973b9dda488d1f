/**
 * The QEMU log parser hands config-path memory lines (pci-conf-idx / pci-conf-data / MMCONFIG) to a
 * sink that has `configPathAccess` as plain numbers, and as `mem` records to one that has not. Both
 * roads must give the same evidence: checked on real captures (a pc one, and a q35 one for MMCONFIG).
 */
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {EvidenceBuilder} from '../../src/evidence/builder.js'
import {ingestFile} from '../../src/ingest/index.js'
import type {RecordSink} from '../../src/ingest/sink.js'
import type {MemOpRecord} from '../../src/ingest/records.js'
import {evidenceToJson} from '../../src/report/ingest-report.js'
import {WarningSink} from '../../src/util/errors.js'

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/evidence/${name}`, import.meta.url))
const capture = (name: string) => fileURLToPath(new URL(`../../traces/${name}/trace.log.gz`, import.meta.url))

async function evidenceVia(path: string, withFastPath: boolean): Promise<{json: string; records: number; memRecords: MemOpRecord[]}> {
  const warnings = new WarningSink()
  const builder = new EvidenceBuilder(warnings)
  const memRecords: MemOpRecord[] = []
  // Only the record methods, no configPathAccess: the parser must fall back to `mem` records.
  const recordsOnly: RecordSink = {
    trace: (r) => {
      if (r.kind === 'mem') memRecords.push(r)
      builder.trace(r)
    },
    kmsg: (r) => builder.kmsg(r),
    dump: (r) => builder.dump(r),
    resource: (r) => builder.resource(r),
    deviceFact: (r) => builder.deviceFact(r),
  }
  const summary = await ingestFile(path, withFastPath ? builder : recordsOnly, {warnings, displayName: 'trace.log'})
  builder.endInput(summary)
  return {json: JSON.stringify(evidenceToJson(builder.finish())), records: summary.records, memRecords}
}

describe('config-path memory lines: numbers or records, the same evidence', () => {
  for (const [name, path, region] of [
    ['pc (pci-conf-idx / pci-conf-data)', fixture('pc-full-net-excerpt.log'), 'pci-conf-data'],
    ['q35 (MMCONFIG)', capture('k6.1-q35-root-port'), 'pcie-mmcfg-mmio'],
  ] as const) {
    it(name, async () => {
      const fast = await evidenceVia(path, true)
      const slow = await evidenceVia(path, false)
      expect(fast.json).toBe(slow.json)
      expect(fast.records).toBe(slow.records)
      // The record road really carried config-path accesses (so the comparison means something).
      expect(slow.memRecords.some((r) => r.name === region)).toBe(true)
      expect(fast.json).toMatch(/"exact":[1-9]/)
    })
  }
})
