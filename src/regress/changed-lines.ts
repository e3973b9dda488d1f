/**
 * The lines a patch changed, in the files the oracle reads: `git diff --no-index -U0` of each file
 * between the base and the patched tree. Added or modified lines are numbered in the patched file;
 * a pure removal is numbered in the base file (there is nothing left of it in the patched one).
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {TREE_FILES} from '../oracle/recipe.js'

export interface ChangedLine {
  readonly file: string
  readonly line: number
  /** Which tree the line number is in. */
  readonly side: 'patched' | 'base'
  readonly text: string
}

export function changedLines(baseDir: string, patchedDir: string): ChangedLine[] {
  const out: ChangedLine[] = []
  for (const f of TREE_FILES) {
    const a = join(baseDir, f)
    const b = join(patchedDir, f)
    if (!existsSync(a) || !existsSync(b)) continue
    const r = spawnSync('git', ['diff', '--no-index', '-U0', '--no-color', '--', a, b], {encoding: 'utf8', maxBuffer: 64 << 20})
    if (r.status === 0 || !r.stdout) continue
    const patched = readFileSync(b, 'utf8').split('\n')
    const base = readFileSync(a, 'utf8').split('\n')
    for (const m of r.stdout.matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)) {
      const [oldStart, oldCount, newStart, newCount] = [Number(m[1]), m[2] === undefined ? 1 : Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])]
      if (newCount > 0) {
        for (let l = newStart; l < newStart + newCount; l++) out.push({file: f, line: l, side: 'patched', text: patched[l - 1] ?? ''})
      } else {
        for (let l = oldStart; l < oldStart + oldCount; l++) out.push({file: f, line: l, side: 'base', text: base[l - 1] ?? ''})
      }
    }
  }
  return out
}
