import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, readlinkSync, writeFileSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {newcArchive, readNewcArchive} from '../../src/capture/cpio.js'
import {hasTool} from './host-tools.js'

describe('newc cpio writer', () => {
  const archive = newcArchive([
    {kind: 'dir', path: '/'},
    {kind: 'dir', path: 'bin'},
    {kind: 'file', path: 'bin/tool', data: Buffer.from('abcde'), mode: 0o755},
    {kind: 'symlink', path: 'bin/sh', target: 'tool'},
    {kind: 'chardev', path: 'dev/console', major: 5, minor: 1},
  ])

  it('starts with the newc magic and pads every record to 4 bytes', () => {
    expect(archive.toString('ascii', 0, 6)).toBe('070701')
    expect(archive.length % 4).toBe(0)
  })

  it('reads back names, modes, data and device numbers', () => {
    const records = readNewcArchive(archive)
    expect(records.map((r) => r.name)).toEqual(['.', 'bin', 'bin/tool', 'bin/sh', 'dev/console'])
    const tool = records[2]
    expect(tool?.mode).toBe(0o100755)
    expect(tool?.data.toString()).toBe('abcde')
    expect(records[3]?.mode).toBe(0o120777)
    expect(records[3]?.data.toString()).toBe('tool')
    expect(records[4]?.mode).toBe(0o020600)
    expect([records[4]?.rdevMajor, records[4]?.rdevMinor]).toEqual([5, 1])
  })

  it('ends with the TRAILER!!! record', () => {
    expect(archive.includes(Buffer.from('TRAILER!!!\0'))).toBe(true)
  })

  it('is deterministic', () => {
    const again = newcArchive([{kind: 'file', path: 'a', data: Buffer.from('x')}])
    expect(again.equals(newcArchive([{kind: 'file', path: 'a', data: Buffer.from('x')}]))).toBe(true)
  })

  it('refuses paths that climb out of the archive', () => {
    expect(() => newcArchive([{kind: 'file', path: '../etc/passwd', data: Buffer.alloc(0)}])).toThrow(/bad cpio path/)
  })

  it.runIf(hasTool('cpio'))('is unpacked by GNU cpio exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpio-test-'))
    const file = join(dir, 'a.cpio')
    writeFileSync(file, newcArchive([{kind: 'dir', path: 'x'}, {kind: 'file', path: 'x/y', data: Buffer.from('hello\n'), mode: 0o640}, {kind: 'symlink', path: 'x/z', target: 'y'}]))
    execFileSync('cpio', ['-idm', '--quiet', '-F', file], {cwd: dir})
    expect(readFileSync(join(dir, 'x/y'), 'utf8')).toBe('hello\n')
    expect(statSync(join(dir, 'x/y')).mode & 0o777).toBe(0o640)
    expect(readlinkSync(join(dir, 'x/z'))).toBe('y')
  })
})
