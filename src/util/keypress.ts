/**
 * One keypress from a terminal, without Enter (raw mode). Ctrl-C and Ctrl-D count as `q`; keys
 * outside `keys` are ignored.
 */
export async function readKey(keys: readonly string[], input: NodeJS.ReadStream = process.stdin): Promise<string> {
  input.setRawMode(true)
  input.resume()
  try {
    return await new Promise<string>((resolve) => {
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8')
        const key = text === '\u0003' || text === '\u0004' ? 'q' : text.toLowerCase()
        if (!keys.includes(key)) return
        input.off('data', onData)
        resolve(key)
      }
      input.on('data', onData)
    })
  } finally {
    input.setRawMode(false)
    input.pause()
  }
}
