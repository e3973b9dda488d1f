/**
 * A one-line progress bar on stderr, only on a TTY (never in logs or CI output). It appears only for
 * runs long enough to be worth watching (after 300 ms) and erases itself when done.
 */
export interface Progress {
  setTotal(n: number): void
  tick(label: string): void
  done(): void
}

export function createProgress(stream: NodeJS.WriteStream, total = 0): Progress | undefined {
  if (!stream.isTTY) return undefined
  const started = Date.now()
  let done = 0
  let drawn = false
  const draw = (label: string) => {
    if (Date.now() - started < 300) return
    const width = 30
    const filled = total > 0 ? Math.round((done / total) * width) : 0
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}${total ? `/${total}` : ''} ${label}`
    stream.write(`\r\u001b[2K${text.slice(0, (stream.columns ?? 80) - 1)}`)
    drawn = true
  }
  return {
    setTotal: (n) => {
      total = n
    },
    tick: (label) => {
      done++
      draw(label)
    },
    done: () => {
      if (drawn) stream.write('\r\u001b[2K')
    },
  }
}
