import {describe, expect, it} from 'vitest'
import {encodeFrame, FrameDecoder, FrameType} from '../../../src/ssh/bridge-frames.js'

describe('bridge frames', () => {
  it('reassembles frames however the byte stream is split', () => {
    const pack = Buffer.from(Array.from({length: 70_000}, (_, index) => index % 251))
    const stream = Buffer.concat([
      encodeFrame(FrameType.Hello, '{"token":"t","argv":[]}'),
      encodeFrame(FrameType.Stdin, pack),
      encodeFrame(FrameType.StdinEnd),
    ])
    for (const size of [1, 3, 5, 4096, stream.length]) {
      const decoder = new FrameDecoder()
      const frames = []
      for (let offset = 0; offset < stream.length; offset += size) frames.push(...decoder.push(stream.subarray(offset, offset + size)))
      expect(frames.map((frame) => frame.type)).toEqual([FrameType.Hello, FrameType.Stdin, FrameType.StdinEnd])
      expect(frames[0]?.payload.toString()).toBe('{"token":"t","argv":[]}')
      expect(frames[1]?.payload.equals(pack)).toBe(true)
      expect(frames[2]?.payload.length).toBe(0)
    }
  })

  it('rejects bytes that are not frames instead of buffering them forever', () => {
    expect(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow('not a git bridge frame')
    const huge = Buffer.alloc(5)
    huge.writeUInt8(FrameType.Stdout, 0)
    huge.writeUInt32BE(0xffffffff, 1)
    expect(() => new FrameDecoder().push(huge)).toThrow('not a git bridge frame')
  })
})
