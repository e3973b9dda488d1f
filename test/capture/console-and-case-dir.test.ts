import {existsSync, mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {commitCaseDir, discardCaseDir, stageCaseDir} from '../../src/capture/case-dir.js'
import {validateCaseName} from '../../src/corpus/corpus.js'
import {consoleTail, DMESG_BEGIN, DMESG_END, extractDmesg, failedInsmods, hasPanic, kernelReleaseFrom, panicExcerpt} from '../../src/capture/console.js'
import {isStaticExecutable} from '../../src/capture/elf.js'
import {UsageError} from '../../src/util/errors.js'
import {buildElf} from './elf-fixture.js'

const serial = [
  '[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) #1 SMP',
  'probediff-init: insmod failed: virtio_scsi',
  `${DMESG_BEGIN}\r`,
  '[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) #1 SMP\r',
  '[    1.2] pci 0000:00:02.0: [1af4:1000] type 00 class 0x020000\r',
  `${DMESG_END}\r`,
  '[   17.9] reboot: Power down\r',
].join('\n')

describe('serial console', () => {
  it('extracts the kernel log between the markers without CRs', () => {
    expect(extractDmesg(serial)).toBe(
      '[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) #1 SMP\n[    1.2] pci 0000:00:02.0: [1af4:1000] type 00 class 0x020000\n',
    )
  })

  it('returns undefined when the dump did not finish', () => {
    expect(extractDmesg(serial.slice(0, serial.indexOf(DMESG_END)))).toBeUndefined()
    expect(extractDmesg('no markers')).toBeUndefined()
  })

  it('finds the release, panics and failed insmods', () => {
    expect(kernelReleaseFrom(serial)).toBe('6.1.0-50-amd64')
    expect(hasPanic(serial)).toBe(false)
    expect(hasPanic('[ 2.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100')).toBe(true)
    expect(failedInsmods(serial)).toEqual(['virtio_scsi'])
    expect(consoleTail(serial, 2)).toEqual([DMESG_END, '[   17.9] reboot: Power down'])
  })

  it('shows the lines leading up to a panic, not just the stack dump after it', () => {
    const lines = Array.from({length: 40}, (_, i) => `[ ${i}] line ${i}`)
    lines[20] = '[ 20] VFS: Cannot open root device "(null)"'
    lines[21] = '[ 21] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'
    const excerpt = panicExcerpt(lines.join('\r\n'), 2, 3)
    expect(excerpt).toEqual(lines.slice(19, 25))
    expect(panicExcerpt('no panic here')).toEqual([])
  })
})

describe('case directory', () => {
  it('accepts plain names and refuses anything that could leave traces/', () => {
    for (const ok of ['k6.1-pc-transitional', 'a', 'x_1.2']) expect(() => validateCaseName(ok)).not.toThrow()
    for (const bad of ['', '../x', 'a/b', '.hidden', 'Upper', 'a..b', `${'a'.repeat(65)}`, '-x']) {
      expect(() => validateCaseName(bad), bad).toThrow(UsageError)
    }
  })

  it('writes into a hidden temp dir and renames it into place; --force replaces', async () => {
    const traces = mkdtempSync(join(tmpdir(), 'traces-'))
    const first = await stageCaseDir(traces, 'c1', false)
    writeFileSync(join(first.tmpDir, 'case.json'), '{"v":1}')
    expect(existsSync(join(traces, 'c1'))).toBe(false)
    await commitCaseDir(first)
    expect(readdirSync(traces)).toEqual(['c1'])
    await expect(stageCaseDir(traces, 'c1', false)).rejects.toThrow(/already exists/)
    const second = await stageCaseDir(traces, 'c1', true)
    writeFileSync(join(second.tmpDir, 'dmesg.txt'), 'x')
    await commitCaseDir(second)
    expect(readdirSync(join(traces, 'c1'))).toEqual(['dmesg.txt'])
    expect(readdirSync(traces)).toEqual(['c1'])
  })

  it('leaves nothing behind when a capture is discarded', async () => {
    const traces = mkdtempSync(join(tmpdir(), 'traces-'))
    const staged = await stageCaseDir(traces, 'c2', false)
    writeFileSync(join(staged.tmpDir, 'trace.log.gz'), 'partial')
    await discardCaseDir(staged)
    expect(readdirSync(traces)).toEqual([])
  })
})

describe('static executable check', () => {
  it('tells a static binary from one with a program interpreter', () => {
    expect(isStaticExecutable(buildElf({programTypes: [1, 1, 4]}))).toBe(true)
    expect(isStaticExecutable(buildElf({programTypes: [6, 3, 1]}))).toBe(false)
    expect(() => isStaticExecutable(Buffer.from('#!/bin/sh\n'.padEnd(80)))).toThrow(/not an ELF/)
  })
})
