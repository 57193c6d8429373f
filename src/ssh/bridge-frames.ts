/**
 * The framing spoken between graduate and its git SSH helper over a Unix socket: one byte of type, four
 * bytes of big-endian payload length, then the payload. Shared by both ends so they cannot drift.
 */

export const FrameType = {
  /** helper → graduate, first frame: JSON {@link BridgeHello}. */
  Hello: 1,
  /** helper → graduate: bytes git wrote to the helper's stdin. */
  Stdin: 2,
  /** helper → graduate: git closed the helper's stdin. */
  StdinEnd: 3,
  /** graduate → helper: remote stdout bytes. */
  Stdout: 4,
  /** graduate → helper: remote stderr bytes (and graduate's own messages for git to show). */
  Stderr: 5,
  /** graduate → helper, last frame: JSON {@link BridgeExit}. */
  Exit: 6,
} as const

export type FrameType = (typeof FrameType)[keyof typeof FrameType]

export interface Frame {
  type: FrameType
  payload: Buffer
}

export interface BridgeHello {
  /** Names the git invocation this helper belongs to; issued by graduate through the environment. */
  token: string
  /** The arguments git passed to its ssh: options, `[user@]host`, then the remote command. */
  argv: string[]
  /** git's GIT_PROTOCOL, which ssh would forward with `-o SendEnv=GIT_PROTOCOL`. */
  gitProtocol?: string
}

export interface BridgeExit {
  /** The remote exit status, or 255 (what ssh exits with) when the session failed or was cut off. */
  code: number
}

/** The environment variables graduate gives git, for the helper to find its way back. */
export const bridgeSocketEnv = 'GRADUATE_GIT_BRIDGE_SOCKET'
export const bridgeTokenEnv = 'GRADUATE_GIT_BRIDGE_TOKEN'

const headerLength = 5
// SSH channel data arrives in packets of at most 32 KiB and pipes read 64 KiB; anything near this is garbage.
const maxPayload = 1024 * 1024

export function encodeFrame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const header = Buffer.alloc(headerLength)
  header.writeUInt8(type, 0)
  header.writeUInt32BE(body.length, 1)
  return Buffer.concat([header, body])
}

/** Reassembles frames from a byte stream split at arbitrary points. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0)

  /** The frames completed by this chunk; throws on bytes that cannot be a frame. */
  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
    const frames: Frame[] = []
    while (this.buffered.length >= headerLength) {
      const type = this.buffered.readUInt8(0)
      const length = this.buffered.readUInt32BE(1)
      if (!isFrameType(type) || length > maxPayload) throw new Error(`not a git bridge frame (type ${type}, length ${length})`)
      if (this.buffered.length < headerLength + length) break
      frames.push({type, payload: this.buffered.subarray(headerLength, headerLength + length)})
      this.buffered = this.buffered.subarray(headerLength + length)
    }
    return frames
  }
}

function isFrameType(value: number): value is FrameType {
  return (Object.values(FrameType) as number[]).includes(value)
}
