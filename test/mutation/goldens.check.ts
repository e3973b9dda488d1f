/**
 * For mutation runs only (test/mutation/vitest.config.ts; `probediff check` does the same in CI): every
 * case of the shipped corpus replays to exactly its accepted golden. The goldens hold the whole
 * predicted outcome, decision path texts included, so a mutant that changes any of it is killed here.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {corpusPaths, listCases} from '../../src/golden/corpus.js'
import {renderGolden} from '../../src/golden/golden-file.js'
import {replayCase} from '../../src/replay/case.js'

const paths = corpusPaths(fileURLToPath(new URL('../..', import.meta.url)))
const cases = await listCases(paths)

describe('the corpus replays to its goldens', () => {
  it.each(cases)('%s', async (name) => {
    const golden = await readFile(join(paths.goldenDir, `${name}.json`), 'utf8')
    const {doc} = await replayCase(paths, name)
    expect(renderGolden(doc)).toBe(golden)
  })
})
