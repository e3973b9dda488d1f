/**
 * `--filter PATTERN`: a case name matched exactly, or as a glob when the pattern has `*`, `?` or
 * `[...]` (`k6.1-*` matches k6.1-pc-modern-only but not k6.12-pc-modern-only). The whole name must match.
 */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern)
}

export function nameMatches(name: string, pattern: string): boolean {
  if (!isGlob(pattern)) return name === pattern
  return globToRegExp(pattern).test(name)
}

function globToRegExp(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') re += '.*'
    else if (c === '?') re += '.'
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end < 0) {
        re += '\\['
        continue
      }
      let body = pattern.slice(i + 1, end)
      const negate = body.startsWith('!')
      if (negate) body = body.slice(1)
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`
      i = end
    } else re += c.replace(/[.+^${}()|\\/\]]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}
