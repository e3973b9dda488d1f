import {createTwoFilesPatch} from 'diff'

/** A unified diff between an accepted golden and a new outcome, optionally colored for a TTY. */
export function goldenDiff(caseName: string, oldText: string, newText: string, color: boolean): string {
  const patch = createTwoFilesPatch(`golden/${caseName}.json`, `golden/${caseName}.json (new)`, oldText, newText, '', '', {context: 3})
  // The diff package starts with an `Index:` / `=====` preamble: keep only the unified diff itself.
  const lines = patch.split('\n').filter((l) => !l.startsWith('Index:') && !/^=+$/.test(l))
  if (!color) return lines.join('\n').trimEnd()
  return lines
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return `\u001b[1m${l}\u001b[0m`
      if (l.startsWith('+')) return `\u001b[32m${l}\u001b[0m`
      if (l.startsWith('-')) return `\u001b[31m${l}\u001b[0m`
      if (l.startsWith('@@')) return `\u001b[36m${l}\u001b[0m`
      return l
    })
    .join('\n')
    .trimEnd()
}
