/**
 * The harness built from Debian's trees, on QEMU-shaped config spaces and on edge cases whose kernel
 * behaviour is known per version (shared reference, checked against the sources).
 */
import {afterAll, describe, expect, it} from 'vitest'
import type {OracleCase} from '../../src/oracle/case-format.js'
import {caseFor} from '../../src/oracle/fuzz/fuzz.js'
import {type ConfigImage, capChain, put} from '../../src/oracle/fuzz/image.js'
import {SEEDS, qemuLikeImage} from '../../src/oracle/fuzz/seeds.js'
import {OracleProcess} from '../../src/oracle/run.js'
import {compareWithModel, modelQueues} from '../../src/oracle/compare.js'
import {toProbeInput} from '../../src/oracle/fuzz/image.js'
import {profileByName} from '../../src/model/profiles.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {PROFILES, availability, oracleBinary} from './oracle-env.js'

const seed = (name: string): ConfigImage => qemuLikeImage(SEEDS.find((s) => s.name === name)!)
const COMMON_MAP: Record<string, number> = {'5.10': 56, '6.1': 60, '6.12': 64, mainline: 64}
const ddMessage = (p: string, errno: number) =>
  p === '6.12' || p === 'mainline'
    ? {level: 'err', text: `virtio-pci 0000:00:03.0: probe with driver virtio-pci failed with error -${errno}`}
    : {level: 'warn', text: `virtio-pci: probe of 0000:00:03.0 failed with error -${errno}`}

const procs: OracleProcess[] = []
afterAll(async () => {
  for (const p of procs) await p.close()
})

for (const profile of PROFILES) {
  const binary = oracleBinary(profile)
  describe.skipIf(!availability(`harness ${profile}`, binary !== undefined))(`oracle harness, Linux ${profile}`, () => {
    const proc = (): OracleProcess => {
      if (!procs[PROFILES.indexOf(profile)]) procs[PROFILES.indexOf(profile)] = new OracleProcess(binary!)
      return procs[PROFILES.indexOf(profile)]!
    }
    const run = (img: ConfigImage, extra: Partial<OracleCase> = {}) => proc().run({...caseFor(`t-${profile}`, img), ...extra})

    it('maps each queue the case gives with the tree\'s vp_modern_map_vq_notify (5.14+), as the model does', async () => {
      const img = seed('net-transitional')
      const whole = await run(img, {queueNotifyOffs: [0, 1, 0x400]})
      // The notify window (past the end, or wrapping u32) as setup_vq would meet it.
      const notify = capChain(img).find((p) => img.bytes[p] === 0x09 && img.bytes[p + 3] === 2)!
      put(img, notify + 8, 4, 0xffff_fff0)
      put(img, notify + 12, 4, 0xffff_ffff)
      const wrap = await run(img, {queueNotifyOffs: [0xffff]})
      if (profile === '5.10') {
        expect(whole.queues).toBeUndefined()
        return
      }
      expect(whole.queues!.map((q) => [q.index, q.notifyOff, q.mapped])).toEqual([[0, 0, true], [1, 1, true], [2, 0x400, false]])
      expect(whole.queues![2]!.messages).toEqual([{level: 'warn', text: 'virtio-pci 0000:00:03.0: bad notification offset 1024 (x 4) for queue 2 > 4096'}])
      expect(whole.messages).toEqual([])
      expect(wrap.rc).toBe('0')
      expect(wrap.queues).toEqual([{index: 0, notifyOff: 0xffff, mapped: false, mappings: [], messages: [{level: 'err', text: 'virtio-pci 0000:00:03.0: virtio_pci: map wrap-around 262140+4294967280'}]}])
      const p = profileByName(profile)!
      for (const [r, offs, image] of [[whole, [0, 1, 0x400], seed('net-transitional')], [wrap, [0xffff], img]] as const) {
        const input = toProbeInput(image)
        const model = predict(input, p)
        expect(compareWithModel(r, model, modelQueues(input, p, model, offs))).toEqual({verdict: 'agree', differences: []})
      }
    })

    it('probes a QEMU transitional net device through the modern transport, mapping common/isr/notify/device', async () => {
      const r = await run(seed('net-transitional'))
      expect(r.rc).toBe('0')
      expect(r.transport).toBe('modern')
      expect(r.virtioDeviceId).toBe(1)
      expect(r.configOps).toBe('virtio_pci_config_ops')
      expect(r.messages).toEqual([])
      expect(r.mappings.map((m) => [m.bar, m.offset, m.length, m.ok])).toEqual([
        [4, 0, COMMON_MAP[profile], true],
        [4, 0x1000, 1, true],
        [4, 0x3000, 0x1000, true],
        [4, 0x2000, 0x1000, true],
      ])
      expect(r.requests).toEqual([{bar: 4, start: 0xfe000000, len: 0x4000, io: false, ok: true}])
    })

    it('takes the legacy transport with force_legacy, mapping all of BAR 0', async () => {
      const img = seed('net-transitional')
      img.forceLegacy = true
      const r = await run(img)
      expect([r.rc, r.transport]).toEqual(['0', 'legacy'])
      expect(r.mappings.map((m) => [m.bar, m.offset, m.length])).toEqual([[0, 0, 0x40]])
    })

    it('leaves a device without a common cap for the legacy driver', async () => {
      const r = await run(seed('net-legacy-only'))
      expect([r.rc, r.transport]).toEqual(['0', 'legacy'])
      expect(r.messages).toEqual([{level: 'info', text: 'virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver'}])
    })

    it('reports a cyclic list of vendor caps as a hang', async () => {
      const img = seed('rng-modern-only')
      const chain = capChain(img)
      img.bytes[chain[chain.length - 1]! + 1] = chain[0]! // last cap points back to the first
      put(img, chain[chain.length - 1]! + 3, 1, 9) // and no common cap is ever found
      for (const p of chain) if (img.bytes[p + 3] === 1) img.bytes[p + 3] = 7
      const r = await run(img)
      expect(r.rc).toBe('hang')
    })

    it('is undetermined when it reads a byte the evidence lacks, and names it', async () => {
      const img = seed('rng-modern-only')
      const common = capChain(img).find((p) => img.bytes[p + 3] === 1)!
      img.known[common + 3] = 0
      const r = await run(img)
      expect(r.rc).toBe('undetermined')
      expect(r.undeterminedOffsets).toEqual([common + 3])
    })

    it('is determined when an unknown header byte cannot change the outcome (revision of a modern device)', async () => {
      const img = seed('rng-modern-only')
      img.known[0x08] = 0
      expect((await run(img)).rc).toBe('0')
    })

    it('prints the PCI core %pR warning and the driver core message on a region conflict', async () => {
      const img = seed('net-transitional')
      const r = await run(img, {injections: {requestFail: [4]}, barFlags: {4: ['mem64', 'pref']}})
      expect(r.rc).toBe('EBUSY')
      expect(r.messages).toEqual([
        {level: 'warn', text: "virtio-pci 0000:00:03.0: BAR 4: can't reserve [mem 0xfe000000-0xfe003fff 64bit pref]"},
        ddMessage(profile, 16),
      ])
    })

    it('fails the modern probe with EINVAL when ioremap fails', async () => {
      const r = await run(seed('rng-modern-only'), {injections: {mapFail: [4]}})
      expect(r.rc).toBe('EINVAL')
      expect(r.messages[0]).toEqual({level: 'err', text: `virtio-pci 0000:00:03.0: virtio_pci: unable to map virtio ${COMMON_MAP[profile]}@0 on bar 4`})
    })

    it('warns and goes on when no DMA mask can be set', async () => {
      const r = await run(seed('rng-modern-only'), {injections: {dma64Fail: true, dma32Fail: true}})
      expect(r.rc).toBe('0')
      expect(r.messages).toEqual([
        {level: 'warn', text: 'virtio-pci 0000:00:03.0: Failed to enable 64-bit or 32-bit DMA.  Trying to continue, but this might not work.'},
      ])
    })

    it('rejects a legacy device with revision 1 (printk without a device prefix up to 5.15, silent later)', async () => {
      const img = seed('net-legacy-only')
      put(img, 0x08, 1, 1)
      const r = await run(img)
      expect(r.rc).toBe('ENODEV')
      const abi = {level: 'err', text: 'virtio_pci: expected ABI version 0, got 1'}
      const leaving = {level: 'info', text: 'virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver'}
      expect(r.messages).toEqual(profile === '5.10' ? [leaving, abi] : [leaving])
    })

    it('falls back to modern after a legacy iomap failure only while that failure is -ENOMEM (up to 5.16)', async () => {
      const img = seed('net-transitional')
      img.forceLegacy = true
      img.bars[0] = {type: 'io', start: 0, len: 0x40}
      const r = await run(img)
      if (profile === '5.10') expect([r.rc, r.transport, r.attempts.map((a) => `${a.probe}:${a.rc}`)]).toEqual(['0', 'modern', ['legacy:ENOMEM', 'modern:0']])
      else expect([r.rc, r.attempts.map((a) => `${a.probe}:${a.rc}`)]).toEqual(['EIO', ['legacy:EIO']])
    })

    it('does not probe a function of another vendor', async () => {
      const img = seed('net-transitional')
      put(img, 0x00, 2, 0x8086)
      const r = await run(img)
      expect([r.rc, r.driverMatched, r.attempts]).toEqual(['ENODEV', false, []])
    })
  })
}

describe.skipIf(!availability('oracle pool', oracleBinary('6.1') !== undefined && oracleBinary('6.12') !== undefined))('OraclePool', () => {
  it('runs each input on its series’ own kernel code (the common map size tells them apart)', async () => {
    const {OraclePool} = await import('../../src/oracle/pool.js')
    const pool = new OraclePool('auto')
    try {
      const input = caseFor('p', seed('rng-modern-only')).input
      const r61 = await pool.run('6.1', input)
      const r612 = await pool.run('6.12', input)
      expect(r61?.mappings[0]?.length).toBe(60)
      expect(r612?.mappings[0]?.length).toBe(64)
      expect(pool.oracleFor('4.19')).toBeUndefined()
      expect(await pool.run('4.19', input)).toBeUndefined()
    } finally {
      await pool.close()
    }
  })
})
