import {styleText} from 'node:util'

type Paint = (text: string) => string

/** The few emphases graduate's output uses; each is the identity when colour is off. */
export interface Style {
  bold: Paint
  dim: Paint
  red: Paint
  green: Paint
  yellow: Paint
  cyan: Paint
}

/**
 * Colour through node:util's styleText. The caller decides whether colour is on (see `colorWanted`):
 * styleText's own check looks at stdout, while graduate's progress goes to stderr, so it is told not to.
 */
export function createStyle(color: boolean): Style {
  const paint =
    (format: Parameters<typeof styleText>[0]): Paint =>
    (text) =>
      color && text !== '' ? styleText(format, text, {validateStream: false}) : text
  return {
    bold: paint('bold'),
    dim: paint('dim'),
    red: paint('red'),
    green: paint('green'),
    yellow: paint('yellow'),
    cyan: paint('cyan'),
  }
}

/**
 * Whether output to a stream should be coloured: NO_COLOR (https://no-color.org) wins, then FORCE_COLOR,
 * then a dumb terminal, then whether the stream is a terminal at all.
 */
export function colorWanted(stream: {isTTY?: boolean | undefined}, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false
  const force = env['FORCE_COLOR']
  if (force !== undefined) return force !== '0' && force !== 'false'
  if (env['TERM'] === 'dumb') return false
  return stream.isTTY === true
}
