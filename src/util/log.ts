/**
 * Logging: pino to stderr. On a TTY it goes through pino-pretty (synchronously, so nothing is lost
 * at exit); otherwise plain JSON lines. Level from --log-level or PROBEDIFF_LOG_LEVEL (default warn).
 */
import {pino, type Logger} from 'pino'
import {createRequire} from 'node:module'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

let current: Logger | undefined

export function createLogger(level: LogLevel = defaultLevel(), stream: NodeJS.WritableStream = process.stderr): Logger {
  const isTty = (stream as NodeJS.WriteStream).isTTY === true
  const destination = isTty ? prettyStream() : pino.destination({dest: 2, sync: true})
  current = pino({level, base: undefined, timestamp: isTty ? pino.stdTimeFunctions.isoTime : false}, destination)
  return current
}

/** pino-pretty is loaded only for a terminal: it is heavy, and workers and pipes never need it. */
function prettyStream(): NodeJS.WritableStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty')
  return pretty({destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l'})
}

function defaultLevel(): LogLevel {
  const env = process.env.PROBEDIFF_LOG_LEVEL
  return (LOG_LEVELS as readonly string[]).includes(env ?? '') ? (env as LogLevel) : 'warn'
}

/** The process-wide logger (created on first use with the default level). */
export function log(): Logger {
  return current ?? createLogger()
}
