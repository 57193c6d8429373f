/**
 * Stands in for `ssh` when graduate runs git (GIT_SSH_COMMAND): instead of opening its own connection it
 * asks the graduate process that started git, over a private Unix socket, to run git's remote command on
 * the already verified, pooled connection, and relays stdin, stdout, stderr and the exit status.
 * Exits 255 on any failure of its own, as ssh does, so git reports "Could not read from remote repository".
 */
import net from 'node:net'
import {bridgeSocketEnv, bridgeTokenEnv, encodeFrame, FrameDecoder, FrameType, type BridgeExit, type BridgeHello} from './bridge-frames.js'

const socketPath = process.env[bridgeSocketEnv]
const token = process.env[bridgeTokenEnv]

if (!socketPath || !token) {
  fail(`this helper is only run by graduate (${bridgeSocketEnv} and ${bridgeTokenEnv} are not set)`)
} else {
  relay(socketPath, token)
}

function relay(socketPath: string, token: string): void {
  const socket = net.connect(socketPath)
  const hello: BridgeHello = {token, argv: process.argv.slice(2), ...(process.env.GIT_PROTOCOL ? {gitProtocol: process.env.GIT_PROTOCOL} : {})}
  socket.write(encodeFrame(FrameType.Hello, JSON.stringify(hello)))

  let exited = false
  const decoder = new FrameDecoder()
  socket.on('data', (chunk) => {
    let frames
    try {
      frames = decoder.push(chunk)
    } catch (error) {
      socket.destroy()
      fail((error as Error).message)
      return
    }
    for (const frame of frames) {
      switch (frame.type) {
        case FrameType.Stdout:
          // git reads slower than the network delivers (it writes the pack to disk): hold the socket until it catches up.
          if (!process.stdout.write(frame.payload)) {
            socket.pause()
            process.stdout.once('drain', () => socket.resume())
          }
          break
        case FrameType.Stderr:
          process.stderr.write(frame.payload)
          break
        case FrameType.Exit:
          exited = true
          finish((JSON.parse(frame.payload.toString()) as BridgeExit).code)
          socket.end()
          break
      }
    }
  })
  socket.on('error', (error) => {
    if (!exited) fail(`lost the connection to graduate: ${error.message}`)
  })
  socket.on('close', () => {
    if (!exited) fail('graduate closed the connection before the remote command finished')
  })

  process.stdin.on('data', (chunk: Buffer) => {
    if (!socket.write(encodeFrame(FrameType.Stdin, chunk))) {
      process.stdin.pause()
      socket.once('drain', () => process.stdin.resume())
    }
  })
  process.stdin.on('end', () => {
    if (!socket.destroyed) socket.write(encodeFrame(FrameType.StdinEnd))
  })
}

/** Let stdout drain rather than process.exit(): git must receive every byte before it sees us exit. */
function finish(code: number): void {
  process.exitCode = code
  // git keeps our stdin open until we exit; stop reading it or the process never ends.
  process.stdin.destroy()
  process.stdout.end()
}

function fail(message: string): void {
  process.stderr.write(`graduate: ${message}\n`)
  finish(255)
}
