/**
 * Every check that can end a probe attempt carries a stable CheckId on its failing step: triage and
 * tools key on it. One hand-built config space per check; each names the kernel rule it trips.
 */
import {describe, expect, it} from 'vitest'
import type {CheckId} from '../../src/model/types.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {type ConfigBuilder, LEGACY_BAR0, MODERN_BARS, input, qemuModern, qemuTransitional, TRANSITIONAL_BARS} from './builders.js'
import {P510, P61, type profile} from './helpers.js'

type Case = {check: CheckId; rule: string; build: () => {cfg: ConfigBuilder; bars: Parameters<typeof input>[1]; forceLegacy?: boolean}; kernel?: ReturnType<typeof profile>}

const CASES: Case[] = [
  {check: 'match.vendor', rule: 'pci_match_device: virtio_pci_id_table is PCI_DEVICE(0x1af4, PCI_ANY_ID)', build: () => ({cfg: qemuModern().set(0x00, 2, 0x8086), bars: MODERN_BARS})},
  {check: 'match.header-type', rule: 'pci_setup_device: an unknown header type is ignored by the PCI core', build: () => ({cfg: qemuModern().set(0x0e, 1, 0x7f), bars: MODERN_BARS})},
  {check: 'modern.device-id', rule: 'vp_modern_probe: device id outside 0x1000..0x107f -> -ENODEV', build: () => ({cfg: qemuModern({device: 0x1110}), bars: MODERN_BARS})},
  {check: 'modern.no-common', rule: 'vp_modern_probe: no common cap -> "leaving for legacy driver"', build: () => ({cfg: qemuTransitional().set(0x43, 1, 9), bars: TRANSITIONAL_BARS})},
  {check: 'modern.missing-caps', rule: 'vp_modern_probe: !isr || !notify -> "missing capabilities"', build: () => ({cfg: qemuModern().set(0x73, 1, 9), bars: MODERN_BARS})},
  {check: 'find.cycle', rule: 'pci_find_next_capability: a cycle of vendor caps never ends', build: () => ({cfg: qemuModern().set(0x73, 1, 9).set(0x41, 1, 0x98), bars: MODERN_BARS})},
  {check: 'map.bar-changed', rule: 'vp_modern_map_capability (5.19+): bar re-checked against modern_bars', build: () => ({cfg: qemuModern().changesTo(0x44, 1), bars: MODERN_BARS})},
  {check: 'map.len-le-start', rule: 'vp_modern_map_capability: length <= start', build: () => ({cfg: qemuModern().set(0x4c, 4, 0), bars: MODERN_BARS})},
  {check: 'map.len-below-minlen', rule: 'vp_modern_map_capability: length - start < minlen', build: () => ({cfg: qemuModern().set(0x4c, 4, 55), bars: MODERN_BARS})},
  {check: 'map.misaligned', rule: 'vp_modern_map_capability: offset & (align - 1)', build: () => ({cfg: qemuModern().set(0x48, 4, 2), bars: MODERN_BARS})},
  {check: 'map.out-of-range', rule: 'vp_modern_map_capability: minlen + offset > pci_resource_len(bar)', build: () => ({cfg: qemuModern().set(0x48, 4, 0x3fe0), bars: MODERN_BARS})},
  {check: 'legacy.device-id', rule: 'vp_legacy_probe: device id outside 0x1000..0x103f', build: () => ({cfg: qemuModern(), bars: MODERN_BARS, forceLegacy: true})},
  {check: 'legacy.revision', rule: 'virtio_pci_legacy_probe (5.10): revision != VIRTIO_PCI_ABI_VERSION', build: () => ({cfg: qemuTransitional({revision: 1}).set(0x43, 1, 9), bars: TRANSITIONAL_BARS}), kernel: P510},
  {check: 'legacy.iomap-null', rule: 'vp_legacy_probe: pci_iomap(dev, 0, 0) returns NULL', build: () => ({cfg: qemuTransitional().set(0x43, 1, 9), bars: {...TRANSITIONAL_BARS, 0: {...LEGACY_BAR0, start: 0}}})},
  {check: 'evidence.unknown', rule: 'any read of a byte the evidence lacks', build: () => ({cfg: qemuModern().unknown(0x4c), bars: MODERN_BARS})},
]

describe('CheckId on failing steps', () => {
  it.each(CASES)('$check ($rule)', ({check, build, kernel}) => {
    const {cfg, bars, forceLegacy} = build()
    const outcome = predict(input(cfg, bars, forceLegacy ?? false), kernel ?? P61)
    const checks = outcome.path.filter((s) => s.result === 'fail' && s.check).map((s) => s.check)
    expect(checks).toContain(check)
  })

  it('a successful probe has no failing check', () => {
    const outcome = predict(input(qemuModern(), MODERN_BARS), P61)
    expect(outcome.rc).toBe('0')
    expect(outcome.path.filter((s) => s.check)).toEqual([])
  })
})
