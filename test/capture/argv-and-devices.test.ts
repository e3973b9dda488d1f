import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {shellQuote} from '../../src/capture/case-record.js'
import {driversFor, parseDeviceArgs} from '../../src/capture/devices.js'
import {EVENT_SETS} from '../../src/capture/events.js'
import {chooseAccel, loadBusybox} from '../../src/capture/host.js'
import {archProfile} from '../../src/capture/arch.js'
import {BASE_APPEND, buildQemuArgv, fullAppend, type QemuInvocation, recordedArgv} from '../../src/capture/qemu-argv.js'

const invocation: QemuInvocation = {
  qemu: '/usr/bin/qemu-system-x86_64',
  machine: 'q35',
  accel: 'tcg',
  memoryMiB: 512,
  kernel: '/home/u/.cache/probediff/kernels/6.1/boot/vmlinuz-6.1.0-50-amd64',
  initrd: '/tmp/probediff-capture-x/initramfs.cpio.gz',
  append: fullAppend('virtio_pci.force_legacy=1', archProfile('amd64')),
  events: EVENT_SETS.cfg,
  deviceArgs: ['-device', 'pcie-root-port,id=rp1,chassis=1', '-device', 'virtio-net-pci,bus=rp1', '-device', 'virtio-rng-pci'],
}

/** The value following `flag` in argv. */
const valueOf = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1]

describe('QEMU argv', () => {
  const argv = buildQemuArgv(invocation)

  it('boots the kernel and initrd with the machine, accelerator, serial console and no reboot', () => {
    expect(argv[0]).toBe('/usr/bin/qemu-system-x86_64')
    expect(valueOf(argv, '-machine')).toBe('q35')
    expect(valueOf(argv, '-accel')).toBe('tcg')
    expect(valueOf(argv, '-kernel')).toBe(invocation.kernel)
    expect(valueOf(argv, '-initrd')).toBe(invocation.initrd)
    expect(valueOf(argv, '-serial')).toBe('stdio')
    expect(valueOf(argv, '-msg')).toBe('timestamp=on')
    expect(argv).toContain('-no-reboot')
    expect(argv).toContain('-nodefaults')
  })

  it('enables exactly the events of the set', () => {
    const enabled = argv.flatMap((a, i) => (a === '-trace' ? [argv[i + 1]] : []))
    expect(enabled).toEqual(EVENT_SETS.cfg.map((e) => `enable=${e}`))
  })

  it('appends --append to the base command line and ends with the device arguments untouched', () => {
    expect(valueOf(argv, '-append')).toBe(`console=ttyS0 ${BASE_APPEND} virtio_pci.force_legacy=1`)
    expect(argv.slice(-6)).toEqual(invocation.deviceArgs)
    expect(fullAppend('  ', archProfile('amd64'))).toBe(`console=ttyS0 ${BASE_APPEND}`)
    expect(fullAppend(undefined, archProfile('arm64'))).toBe(`console=ttyAMA0 ${BASE_APPEND}`)
  })

  it('records host paths as placeholders and nothing else differently', () => {
    const recorded = recordedArgv(invocation, 'qemu-system-x86_64')
    expect(valueOf(recorded, '-kernel')).toBe('$KERNEL')
    expect(valueOf(recorded, '-initrd')).toBe('$INITRD')
    expect(recorded.join(' ')).not.toContain('/tmp/')
    expect(recorded.join(' ')).not.toContain('.cache')
    const same = (a: string[]) => a.filter((w) => w !== '$KERNEL' && w !== '$INITRD' && w !== invocation.kernel && w !== invocation.initrd).slice(1)
    expect(same(recorded)).toEqual(same(argv))
  })
})

describe('device arguments', () => {
  it('finds each -device type, also given as driver=', () => {
    const devices = parseDeviceArgs(['-blockdev', 'driver=null-co,node-name=d0', '-device', 'virtio-blk-pci,drive=d0', '-device', 'driver=virtio-rng-pci,disable-legacy=on', '-object', 'memory-backend-ram,id=m'])
    expect(devices).toEqual([
      {type: 'virtio-blk-pci', spec: 'virtio-blk-pci,drive=d0'},
      {type: 'virtio-rng-pci', spec: 'driver=virtio-rng-pci,disable-legacy=on'},
    ])
  })

  it('maps device types (and their transitional variants) to Linux drivers, transport first', () => {
    const devices = parseDeviceArgs(['-device', 'virtio-net-pci-non-transitional', '-device', 'virtio-serial-pci', '-device', 'ivshmem-plain,memdev=m', '-device', 'virtio-net-pci'])
    expect(driversFor(devices)).toEqual(['virtio_pci', 'virtio_net', 'virtio_console'])
  })
})

describe('case record helpers', () => {
  it('quotes shell words only where needed', () => {
    expect(shellQuote('virtio-net-pci,disable-legacy=on')).toBe('virtio-net-pci,disable-legacy=on')
    expect(shellQuote('a b')).toBe("'a b'")
    expect(shellQuote("it's")).toBe("'it'\\''s'")
    expect(shellQuote('$KERNEL')).toBe("'$KERNEL'")
  })
})

describe('aarch64 virt guests', () => {
  const arm64 = archProfile('arm64')
  const argv = buildQemuArgv({...invocation, qemu: arm64.qemu, machine: 'virt', ...(arm64.cpu ? {cpu: arm64.cpu} : {}), append: fullAppend(undefined, arm64)})

  it('boot qemu-system-aarch64 -machine virt with a 64-bit CPU and the PL011 console', () => {
    expect(argv[0]).toBe('qemu-system-aarch64')
    expect(valueOf(argv, '-machine')).toBe('virt')
    expect(valueOf(argv, '-cpu')).toBe('cortex-a57')
    expect(valueOf(argv, '-append')).toMatch(/^console=ttyAMA0 /)
    expect(buildQemuArgv(invocation)).not.toContain('-cpu')
  })

  it('run under TCG on this host, and refuse KVM for another architecture', async () => {
    if (process.arch !== 'x64') return
    await expect(chooseAccel('auto', 'arm64')).resolves.toEqual({accel: 'tcg', reason: 'arm64 guest on a x64 host'})
    await expect(chooseAccel('kvm', 'arm64')).rejects.toThrow(/--accel kvm cannot run an arm64 guest on this x64 host/)
  })

  it('refuse a busybox of the wrong architecture before booting', async () => {
    if (!existsSync('/bin/busybox') || process.arch !== 'x64') return
    await expect(loadBusybox('/bin/busybox', arm64)).rejects.toThrow(/is not an arm64 executable \(ELF machine 62\)/)
  })
})
