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

/** What each case's failing check must report as typed facts, with the reads it rests on. */
const FACTS: Partial<Record<CheckId, {facts: object; basis: string[]; message?: string}>> = {
  'match.vendor': {facts: {vendor: 0x8086}, basis: ['PCI_VENDOR_ID/PCI_DEVICE_ID']},
  'match.header-type': {facts: {hdrType: 0x7f}, basis: []},
  'modern.device-id': {facts: {device: 0x1110}, basis: ['PCI_VENDOR_ID/PCI_DEVICE_ID']},
  'modern.no-common': {facts: {pciStatus: 0x10}, basis: ['PCI_STATUS', 'PCI_CAPABILITY_LIST'], message: 'virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver'},
  'modern.missing-caps': {facts: {common: 0x40, isr: 0x50, notify: 0}, basis: ['PCI_STATUS', 'PCI_CAPABILITY_LIST'], message: 'virtio-pci 0000:00:03.0: virtio_pci: missing capabilities 64/80/0'},
  'find.cycle': {facts: {cycle: [0x84, 0x70, 0x60, 0x50, 0x40, 0x84]}, basis: ['PCI_STATUS']},
  'map.bar-changed': {
    facts: {struct: 'common', capOffset: 0x40, bar: 1, modernBars: 0x10},
    basis: ['cap@0x40.bar', 'cap@0x40.offset', 'cap@0x40.length'],
    message: 'virtio-pci 0000:00:03.0: virtio_pci: bar unexpectedly changed to 1',
  },
  'map.len-le-start': {
    facts: {struct: 'common', capOffset: 0x40, length: 0, start: 0},
    basis: ['cap@0x40.bar', 'cap@0x40.offset', 'cap@0x40.length'],
    message: 'virtio-pci 0000:00:03.0: virtio_pci: bad capability len 0 (>0 expected)',
  },
  'map.len-below-minlen': {
    facts: {struct: 'common', capOffset: 0x40, length: 55, start: 0, minlen: 56},
    basis: ['cap@0x40.bar', 'cap@0x40.offset', 'cap@0x40.length'],
    message: 'virtio-pci 0000:00:03.0: virtio_pci: bad capability len 55 (>=56 expected)',
  },
  'map.misaligned': {
    facts: {struct: 'common', capOffset: 0x40, offset: 2, align: 4},
    basis: ['cap@0x40.bar', 'cap@0x40.offset', 'cap@0x40.length'],
    message: 'virtio-pci 0000:00:03.0: virtio_pci: offset 2 not aligned to 4',
  },
  'map.out-of-range': {
    facts: {struct: 'common', capOffset: 0x40, minlen: 56, offset: 0x3fe0, bar: 4, barLength: 0x4000},
    basis: ['cap@0x40.bar', 'cap@0x40.offset', 'cap@0x40.length', 'pci_resource_len(4)'],
    message: 'virtio-pci 0000:00:03.0: virtio_pci: map virtio 56@16352 out of range on bar 4 length 16384',
  },
  'legacy.device-id': {facts: {device: 0x1041}, basis: ['PCI_VENDOR_ID/PCI_DEVICE_ID']},
  'legacy.revision': {facts: {revision: 1, expected: 0}, basis: ['PCI_REVISION_ID'], message: 'virtio_pci: expected ABI version 0, got 1'},
  'legacy.iomap-null': {facts: {why: {reason: 'start-zero'}, errno: 'EIO'}, basis: ['pci_resource_len(0)', 'pci_resource_start(0)']},
  'evidence.unknown': {facts: {what: 'cap@0x40.length', offsets: [0x4c], bars: []}, basis: ['cap@0x40.bar', 'cap@0x40.offset', 'cap@0x40.length']},
}

describe('CheckId on failing steps', () => {
  it.each(CASES)('$check ($rule)', ({check, build, kernel}) => {
    const {cfg, bars, forceLegacy} = build()
    const outcome = predict(input(cfg, bars, forceLegacy ?? false), kernel ?? P61)
    const checks = outcome.path.filter((s) => s.result === 'fail' && s.check).map((s) => s.check)
    expect(checks).toContain(check)
  })

  it.each(CASES.filter((c) => FACTS[c.check]))('$check reports typed facts and the reads it rests on', ({check, build, kernel}) => {
    const {cfg, bars, forceLegacy} = build()
    const outcome = predict(input(cfg, bars, forceLegacy ?? false), kernel ?? P61)
    const step = outcome.path.find((s) => s.check === check)!
    const want = FACTS[check]!
    expect(step.check).toBe(check)
    if (step.check === undefined) return
    expect(step.facts).toEqual(want.facts)
    // a lookup's basis is its whole walk: compare its start; map and id checks: all of it
    const basis = step.basis.map((r) => r.what)
    expect(['modern.no-common', 'modern.missing-caps', 'find.cycle'].includes(check) ? basis.slice(0, want.basis.length) : basis).toEqual(want.basis)
    expect(step.message).toBe(want.message)
    if (step.message !== undefined) expect(outcome.messages).toContain(step.message)
  })

  it('missing capabilities rests only on the lookups that came up empty', () => {
    const outcome = predict(input(qemuModern().set(0x73, 1, 9), MODERN_BARS), P61)
    const step = outcome.path.find((s) => s.check === 'modern.missing-caps')!
    const lookups = outcome.path.filter((s) => s.fn === 'virtio_pci_find_capability')
    expect(step.check === 'modern.missing-caps' && step.basis).toEqual(lookups[2]!.reads)
  })

  it('a successful probe has no failing check', () => {
    const outcome = predict(input(qemuModern(), MODERN_BARS), P61)
    expect(outcome.rc).toBe('0')
    expect(outcome.path.filter((s) => s.check)).toEqual([])
  })
})
