import {describe, expect, it} from 'vitest'

import {PushLineSplitter, splitPushOutput, type PushLine} from '../../../src/dokku/parse/push-lines.js'
import {readPushTranscript} from './fixtures.js'

function texts(lines: readonly PushLine[]): string[] {
  return lines.map((line) => line.text)
}

describe('splitting git push output into clean lines', () => {
  const held = splitPushOutput(readPushTranscript('push-ga-rev2-hold-release.txt'))

  it('strips the remote: prefix and git’s padding, and tells remote lines from git’s own', () => {
    expect(held).toContainEqual({text: '       [zz-testgate] HELD app=ga proc=web index=1 build=mwt5e6etaozwuh', remote: true})
    expect(held).toContainEqual({text: '=====> Application deployed:', remote: true})
    expect(held).toContainEqual({text: 'To 127.0.0.1:ga', remote: false})
    expect(held).toContainEqual({text: '   2be4874..20690cd  main -> main', remote: false})

    for (const line of held) {
      expect(line.text).not.toMatch(/^remote:|\s$|\r|\x1b/)
    }
  })

  it('keeps one line of Docker’s \\r-rewritten progress and no fragments', () => {
    const index = texts(held).indexOf('Sending build context to Docker daemon   5.12kB')

    expect(index).toBeGreaterThan(0)
    expect(held[index + 1]?.text).toBe('Step 1/11 : FROM local/busybox:latest')
  })

  it('removes Dokku’s cursor controls and colours', () => {
    expect(texts(splitPushOutput(readPushTranscript('push-ga-rev1-initial.txt')))[0]).toBe('-----> Set main as deploy-branch')
    expect(texts(splitPushOutput(readPushTranscript('push-ga-rev7-failed-healthcheck.txt')))).toContain(
      " !     Failure in name='web check': unable to find expected content in response body: THIS-WILL-NOT-MATCH",
    )
  })

  it('keeps a genuinely blank line as one blank line', () => {
    expect(splitPushOutput('remote: a        \nremote: \nremote: b        \n')).toEqual([
      {text: 'a', remote: true},
      {text: '', remote: true},
      {text: 'b', remote: true},
    ])
  })

  it('emits each state of a line rewritten with \\r', () => {
    expect(texts(splitPushOutput('remote: 10%        \rremote: 55%        \rremote: done        \n'))).toEqual(['10%', '55%', 'done'])
  })
})

describe('PushLineSplitter', () => {
  it('gives the same lines for any chunking, including chunks that split a character', () => {
    const output = Buffer.from(`${readPushTranscript('push-ga-rev7-failed-healthcheck.txt')}remote: café ✓ 日本        \n`, 'utf8')
    const whole = splitPushOutput(output.toString('utf8'))

    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const splitter = new PushLineSplitter()
      const lines: PushLine[] = []
      for (let start = 0; start < output.length; start += size) lines.push(...splitter.write(output.subarray(start, start + size)))
      lines.push(...splitter.end())

      expect(lines).toEqual(whole)
    }
    expect(whole.at(-1)).toEqual({text: 'café ✓ 日本', remote: true})
  })

  it('emits a line only once its newline arrives, and the rest at the end', () => {
    const splitter = new PushLineSplitter()

    expect(splitter.write('remote: -----> Deploying web (count=1)        \nremote:        Attempting pre')).toEqual([
      {text: '-----> Deploying web (count=1)', remote: true},
    ])
    expect(splitter.write('-flight checks (web.1)        \r')).toEqual([])
    expect(splitter.write('\nerror: failed to push')).toEqual([{text: '       Attempting pre-flight checks (web.1)', remote: true}])
    expect(splitter.end()).toEqual([{text: 'error: failed to push', remote: false}])
    expect(splitter.end()).toEqual([])
  })
})
