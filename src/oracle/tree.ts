/** Read access to a kernel source tree, by path inside the tree. */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {KernelSourceFile} from './extract.js'

export class KernelTree {
  constructor(readonly root: string) {}

  has(path: string): boolean {
    return existsSync(join(this.root, path))
  }

  file(path: string): KernelSourceFile {
    return {path, text: readFileSync(join(this.root, path), 'utf8')}
  }

  /** The first of `paths` that exists, or undefined. */
  firstOf(...paths: string[]): string | undefined {
    return paths.find((p) => this.has(p))
  }

  /** `6.12.117` from the top Makefile (VERSION.PATCHLEVEL.SUBLEVEL plus EXTRAVERSION). */
  version(): string {
    if (!this.has('Makefile')) return 'unknown'
    const mk = readFileSync(join(this.root, 'Makefile'), 'utf8')
    const get = (k: string): string => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(mk)?.[1] ?? ''
    const v = [get('VERSION'), get('PATCHLEVEL'), get('SUBLEVEL')].filter(Boolean).join('.')
    return v ? v + get('EXTRAVERSION') : 'unknown'
  }
}
