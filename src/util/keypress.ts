/**
 * One keypress from a terminal, without Enter (raw mode). Ctrl-C, Ctrl-D and the end of input count
 * as `q`; keys outside `keys` are ignored.
 */
export async function readKey(keys: readonly string[], input: NodeJS.ReadStream = process.stdin): Promise<string> {
  input.setRawMode(true)
  input.resume()
  try {
    return await new Promise<string>((resolve) => {
      const finish = (key: string) => {
        input.off('data', onData)
        input.off('end', onEnd)
        resolve(key)
      }
      const onEnd = () => finish('q')
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8')
        const key = text === '\u0003' || text === '\u0004' ? 'q' : text.toLowerCase()
        if (keys.includes(key)) finish(key)
      }
      input.on('data', onData)
      input.once('end', onEnd)
    })
  } finally {
    input.setRawMode(false)
    input.pause()
  }
}
