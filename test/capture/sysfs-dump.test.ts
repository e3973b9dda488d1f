import {spawnSync} from 'node:child_process'
import {mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {CaptureFailure} from '../../src/capture/errors.js'
import {initScript} from '../../src/capture/initramfs.js'
import {decodeSysfsDump, SYSFS_BEGIN, SYSFS_END, sysfsDumpScript, writeSysfsDump} from '../../src/capture/sysfs-dump.js'

const SEED = join(new URL('../../traces/fault-seeds/6.1/0000:00:02.0', import.meta.url).pathname)
const config = readFileSync(join(SEED, 'config'))
const resource = readFileSync(join(SEED, 'resource'))

/** What busybox od -A n -v -t x1 prints, with the init's prefix. */
function odLines(bdf: string, file: string, bytes: Buffer): string[] {
  const out: string[] = []
  for (let i = 0; i < bytes.length; i += 16) {
    out.push(`@@PDSYS ${bdf} ${file}  ${[...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`)
  }
  out.push(`@@PDSYS ${bdf} ${file} end ${bytes.length}`)
  return out
}

const consoleOf = (lines: string[], eol = '\r\n') => ['[    7.1] booted', SYSFS_BEGIN, ...lines, SYSFS_END, 'reboot: Power down', ''].join(eol)

const scratch = mkdtempSync(join(tmpdir(), 'probediff-sysfs-test-'))
afterAll(() => rmSync(scratch, {recursive: true, force: true}))

describe('sysfs dump: console decoding', () => {
  it('gives back the exact bytes of config (binary) and resource (text), CRs and kernel lines ignored', () => {
    const text = consoleOf([
      ...odLines('0000:00:02.0', 'config', config).slice(0, 5),
      '[    9.9] random: crng init done',
      ...odLines('0000:00:02.0', 'config', config).slice(5),
      ...odLines('0000:00:02.0', 'resource', resource),
    ])
    const dumps = decodeSysfsDump(text)
    expect(dumps.map((d) => `${d.bdf}/${d.file}`)).toEqual(['0000:00:02.0/config', '0000:00:02.0/resource'])
    expect(dumps[0]!.bytes.equals(config)).toBe(true)
    expect(dumps[1]!.bytes.equals(resource)).toBe(true)
  })

  it('refuses a file whose byte count differs from what the guest counted', () => {
    const lines = odLines('0000:00:02.0', 'config', config)
    lines.splice(3, 1) // a lost console line
    expect(() => decodeSysfsDump(consoleOf(lines))).toThrow(/0000:00:02.0\/config is damaged: 240 bytes decoded, the guest counted 256/)
  })

  it('refuses a file without its end line, and a console without the end marker', () => {
    const lines = odLines('0000:00:02.0', 'config', config).slice(0, -1)
    expect(() => decodeSysfsDump(consoleOf([...lines, ...odLines('0000:00:02.0', 'resource', resource)]))).toThrow(/config is damaged: no end line/)
    const cut = consoleOf(odLines('0000:00:02.0', 'config', config)).split(SYSFS_END)[0]!
    expect(() => decodeSysfsDump(cut)).toThrow(CaptureFailure)
    expect(() => decodeSysfsDump('no dump at all')).toThrow(/no begin marker/)
  })

  it('refuses a directory name that is not a sysfs PCI address', () => {
    expect(() => decodeSysfsDump(consoleOf(odLines('../etc', 'config', config.subarray(0, 16))))).toThrow(/not a sysfs PCI address/)
  })

  it('writes DIR/BDF/config and DIR/BDF/resource', async () => {
    const dir = join(scratch, 'out')
    const bdfs = await writeSysfsDump(dir, decodeSysfsDump(consoleOf([...odLines('0000:00:02.0', 'config', config), ...odLines('0000:00:02.0', 'resource', resource)])))
    expect(bdfs).toEqual(['0000:00:02.0'])
    expect(readFileSync(join(dir, '0000:00:02.0', 'config')).equals(config)).toBe(true)
    expect(readFileSync(join(dir, '0000:00:02.0', 'resource')).equals(resource)).toBe(true)
  })
})

describe('sysfs dump: the init script', () => {
  it('prints the dump after the kernel log and before power-off only when asked', () => {
    expect(initScript([])).not.toContain(SYSFS_BEGIN)
    const lines = initScript([], {sysfsDump: true}).split('\n')
    expect(lines.indexOf(`echo ${SYSFS_BEGIN}`)).toBeGreaterThan(lines.findIndex((l) => l.includes('DMESG-END')))
    expect(lines.indexOf('poweroff -f')).toBeGreaterThan(lines.indexOf(`echo ${SYSFS_END}`))
  })

  // The script itself, run by the host's busybox over a copy of a sysfs tree, decodes to the same bytes.
  it.skipIf(spawnSync('busybox', ['true']).status !== 0)('round-trips through busybox sh, od, sed and wc', () => {
    const sys = join(scratch, 'sys')
    for (const bdf of ['0000:00:02.0', '0000:00:03.0']) {
      mkdirSync(join(sys, bdf), {recursive: true})
      writeFileSync(join(sys, bdf, 'config'), bdf.endsWith('2.0') ? config : config.subarray(0, 64))
      writeFileSync(join(sys, bdf, 'resource'), resource)
    }
    const script = sysfsDumpScript().join('\n').replaceAll('/sys/bus/pci/devices', sys)
    const run = spawnSync('busybox', ['sh', '-c', `for a in od sed wc; do eval "$a() { busybox $a \\"\\$@\\"; }"; done\n${script}`], {encoding: 'utf8'})
    expect(run.stderr).toBe('')
    const dumps = decodeSysfsDump(run.stdout)
    expect(dumps.map((d) => `${d.bdf}/${d.file}:${d.bytes.length}`)).toEqual([
      '0000:00:02.0/config:256',
      `0000:00:02.0/resource:${resource.length}`,
      '0000:00:03.0/config:64',
      `0000:00:03.0/resource:${resource.length}`,
    ])
    expect(dumps[0]!.bytes.equals(config)).toBe(true)
    expect(dumps[1]!.bytes.equals(resource)).toBe(true)
  })
})
