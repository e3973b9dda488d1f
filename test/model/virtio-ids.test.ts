/**
 * The virtio type names: each is the VIRTIO_ID_* macro of include/uapi/linux/virtio_ids.h (7.2) in
 * lower case with `-` for `_` (the names `replay` prints as virtioType). The macro names are listed
 * here by id, so each name is checked against the rule, not against a copy of the table.
 */
import {describe, expect, it} from 'vitest'
import {TRANSITIONAL_DEVICE_IDS, virtioTypeName} from '../../src/model/virtio-ids.js'

const MACROS: readonly (readonly [number, string])[] = [
  [1, 'NET'], [2, 'BLOCK'], [3, 'CONSOLE'], [4, 'RNG'], [5, 'BALLOON'], [6, 'IOMEM'], [7, 'RPMSG'], [8, 'SCSI'], [9, '9P'],
  [10, 'MAC80211_WLAN'], [11, 'RPROC_SERIAL'], [12, 'CAIF'], [13, 'MEMORY_BALLOON'], [16, 'GPU'], [17, 'CLOCK'], [18, 'INPUT'],
  [19, 'VSOCK'], [20, 'CRYPTO'], [21, 'SIGNAL_DIST'], [22, 'PSTORE'], [23, 'IOMMU'], [24, 'MEM'], [25, 'SOUND'], [26, 'FS'],
  [27, 'PMEM'], [28, 'RPMB'], [29, 'MAC80211_HWSIM'], [30, 'VIDEO_ENCODER'], [31, 'VIDEO_DECODER'], [32, 'SCMI'],
  [33, 'NITRO_SEC_MOD'], [34, 'I2C_ADAPTER'], [35, 'WATCHDOG'], [36, 'CAN'], [37, 'DMABUF'], [38, 'PARAM_SERV'],
  [39, 'AUDIO_POLICY'], [40, 'BT'], [41, 'GPIO'], [45, 'SPI'],
]

describe('virtioTypeName: VIRTIO_ID_<NAME> -> <name>', () => {
  it.each(MACROS)('%i is VIRTIO_ID_%s', (id, macro) => {
    expect(virtioTypeName(id)).toBe(macro.toLowerCase().replaceAll('_', '-'))
  })

  it.each([0, 14, 15, 42, 43, 44, 46, 0x3f])('%i has no macro: unknown-<id>', (id) => {
    expect(virtioTypeName(id)).toBe(`unknown-${id}`)
  })
})

describe('transitional PCI device ids (virtio 1.x "PCI Device IDs")', () => {
  it('0x1000..0x1005 and 0x1009: net, block, balloon, console, scsi, rng, 9p', () => {
    const named = Object.fromEntries(Object.entries(TRANSITIONAL_DEVICE_IDS).map(([device, id]) => [Number(device), virtioTypeName(id)]))
    expect(named).toEqual({0x1000: 'net', 0x1001: 'block', 0x1002: 'balloon', 0x1003: 'console', 0x1004: 'scsi', 0x1005: 'rng', 0x1009: '9p'})
  })
})
