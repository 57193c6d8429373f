import {describe, expect, it} from 'vitest'
import {OutputLines} from '../../src/output-lines.js'

function split(chunks: string[], maxLineLength?: number): string[] {
  const lines: string[] = []
  const splitter = new OutputLines((line) => lines.push(line), maxLineLength)
  for (const chunk of chunks) splitter.write(chunk)
  splitter.end()
  return lines
}

describe('OutputLines', () => {
  it('joins a line that arrives in several chunks and splits a chunk holding several lines', () => {
    expect(split(['mig', 'rating 1/3\nmigrating 2', '/3\nmigrating 3/3\n'])).toEqual(['migrating 1/3', 'migrating 2/3', 'migrating 3/3'])
  })

  it('emits nothing for a half line until its newline or the end of the stream', () => {
    const lines: string[] = []
    const splitter = new OutputLines((line) => lines.push(line))
    splitter.write('half a li')
    expect(lines).toEqual([])
    splitter.write('ne\nand the rest without a newline')
    expect(lines).toEqual(['half a line'])
    splitter.end()
    expect(lines).toEqual(['half a line', 'and the rest without a newline'])
  })

  it('keeps empty lines and drops the CR of CRLF endings, even when CR and LF arrive apart', () => {
    expect(split(['first\r', '\n\nthird\r\n'])).toEqual(['first', '', 'third'])
  })

  it('adds no line at the end when the output ended with a newline or was empty', () => {
    expect(split(['done\n'])).toEqual(['done'])
    expect(split([])).toEqual([])
  })

  it('cuts output that never prints a newline into bounded pieces, never inside a surrogate pair', () => {
    expect(split(['abcdefghij'], 4)).toEqual(['abcd', 'efgh', 'ij'])
    // 🙂 is two UTF-16 code units; a cut after "abc" would split it.
    expect(split(['abc🙂def'], 4)).toEqual(['abc', '🙂de', 'f'])
  })
})
