/**
 * The Node twin of client/sim-client.c, used only when no C compiler was found at provisioning: the
 * same protocol and behaviour (stdin on demand, SIGHUP → hangup frame, EPIPE dropped), but with a
 * Node start-up per command, so the simulated hosts are as slow as before the core server.
 *
 *   node sim-client.js <socket-name> <kind> [args...]
 */
import fs from 'node:fs'
import net from 'node:net'

const [socketName, kind, ...args] = process.argv.slice(2)

function frame(type: string, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}

const socket = net.connect(`\0${socketName}`)
let exited = false
process.on('SIGHUP', () => socket.write(frame('U')))
socket.on('error', (error) => {
  process.stderr.write(` !     simulator: cannot reach the simulated host's core server: ${error.message} (is the simulator serving this host still running?)\n`)
  process.exit(1)
})
socket.on('connect', () => {
  const fields = [String(process.pid), process.cwd(), kind ?? '', String(args.length), ...args]
  for (const [key, value] of Object.entries(process.env)) fields.push(`${key}=${value}`)
  socket.write(frame('H', Buffer.from(fields.map((field) => `${field}\0`).join(''))))
})
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})

let pending: Buffer = Buffer.alloc(0)
let wantStdin = false
socket.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk])
  while (pending.length >= 5) {
    const length = pending.readUInt32BE(1)
    if (pending.length < 5 + length) break
    const type = String.fromCharCode(pending[0]!)
    const body = pending.subarray(5, 5 + length)
    pending = pending.subarray(5 + length)
    if (type === 'O') write(1, body)
    else if (type === 'R') write(2, body)
    else if (type === 'W' && !wantStdin) {
      wantStdin = true
      process.stdin.on('data', (data: Buffer) => socket.write(frame('I', data)))
      process.stdin.on('end', () => socket.write(frame('E')))
      process.stdin.on('error', () => socket.write(frame('E')))
    } else if (type === 'X') {
      exited = true
      process.exit(body.readInt32BE(0) & 0xff)
    }
  }
})
socket.on('close', () => {
  if (exited) return
  process.stderr.write(' !     simulator: the core server went away before the command ended (simulator stopped?)\n')
  process.exit(1)
})

const broken = new Set<number>()
function write(fd: number, data: Buffer): void {
  if (broken.has(fd)) return
  let offset = 0
  while (offset < data.length) {
    try {
      offset += fs.writeSync(fd, data, offset)
    } catch (error) {
      // A non-blocking pipe that is full: try again; anything else (EPIPE) drops the output.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue
      broken.add(fd)
      return
    }
  }
}
