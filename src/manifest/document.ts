import {LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node} from 'yaml'

import type {PathIssue, PathSegment} from './issues.js'

/** A 1-based place in the manifest file. */
export interface Position {
  line: number
  column: number
}

export interface SyntaxProblem extends Position {
  message: string
}

export interface DuplicateKey extends Position {
  path: PathSegment[]
  message: string
}

/**
 * The manifest's YAML with line counting: the parsed document keeps every node's offset, so a
 * problem found later in the plain data can be placed back on its line and column.
 */
export class ManifestDocument {
  private constructor(
    private readonly lines: string[],
    private readonly document: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  static parse(text: string): ManifestDocument {
    const lineCounter = new LineCounter()
    // Duplicate keys are found by duplicateKeys() below, which knows their path; `<<` merges
    // let a manifest share one host block between environments.
    const document = parseDocument(text, {lineCounter, uniqueKeys: false, merge: true, prettyErrors: false})
    return new ManifestDocument(text.split('\n'), document, lineCounter)
  }

  /**
   * YAML that could not be read as intended. When there are any, the data is not worth checking.
   * One problem per line, and only the first few lines: after a real mistake the parser reports
   * every later token as unexpected, which buries the line that matters.
   */
  syntaxProblems(): SyntaxProblem[] {
    const problems: SyntaxProblem[] = []
    for (const error of this.document.errors) {
      const position = this.positionOfOffset(error.pos[0])
      if (problems.some((problem) => problem.line === position.line)) continue
      if (problems.length === MAX_SYNTAX_PROBLEMS) {
        problems.push({...position, message: 'invalid YAML: more problems follow, often caused by the ones above; fix those first'})
        break
      }
      const problem = syntaxMessage(error.code, error.message)
      if (problem === TOO_DEEP) {
        // Where the parser ran out of stack depends on the stack's size; the bracket that went too deep does not.
        const bracket = tooDeepBracket(this.lines.join('\n'))
        problems.push({...(bracket === undefined ? position : this.positionOfOffset(bracket)), message: TOO_DEEP})
        continue
      }
      problems.push({...position, message: `invalid YAML: ${problem}${this.quotingHint(position.line)}`})
    }
    if (problems.length > 0) return problems
    const deep = this.firstTooDeep()
    if (deep !== undefined) return [{...deep, message: TOO_DEEP}]
    visit(this.document, {
      Alias: (_key, alias) => {
        if (alias.resolve(this.document) === undefined) {
          problems.push({
            ...this.positionOfNode(alias),
            message: `invalid YAML: the alias *${alias.source} has no anchor &${alias.source} before it; define the anchor first`,
          })
        }
      },
    })
    return problems
  }

  /**
   * The first node nested deeper than MAX_NESTING, or undefined. Walked with a stack of its own, since
   * the point is a document deep enough to exhaust the call stack of a recursive walk.
   */
  private firstTooDeep(): Position | undefined {
    const pending: Array<{node: unknown; depth: number}> = [{node: this.document.contents, depth: 0}]
    while (pending.length > 0) {
      const {node, depth} = pending.pop()!
      if (!isMap(node) && !isSeq(node)) continue
      if (depth >= MAX_NESTING) return this.positionOfNode(node)
      for (const item of node.items) pending.push({node: isMap(node) ? (item as {value: unknown}).value : item, depth: depth + 1})
    }
    return undefined
  }

  /**
   * Map keys YAML reads as something other than what is written — `1.10` is the number 1.1, `0x1F` is 31,
   * `True` is true — which would silently rename an app or environment. Placed at the key itself.
   */
  retypedKeys(): DuplicateKey[] {
    const issues: DuplicateKey[] = []
    const pending: Array<{node: unknown; path: PathSegment[]}> = [{node: this.document.contents, path: []}]
    while (pending.length > 0) {
      const {node, path} = pending.pop()!
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = keyText(pair.key)
          if (isScalar(pair.key) && ['number', 'bigint', 'boolean'].includes(typeof pair.key.value) && pair.key.source !== key) {
            issues.push({
              ...this.positionOfNode(pair.key),
              path: [...path, key],
              message: `YAML reads the key ${pair.key.source} as the ${typeof pair.key.value} ${key}; quote it ("${pair.key.source}") to keep the name as written`,
            })
          }
          pending.push({node: pair.value, path: [...path, key]})
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, index) => pending.push({node: item, path: [...path, index]}))
      }
    }
    return issues
  }

  /** Keys that appear twice in one map, placed at the second one (a path alone would find the first). */
  duplicateKeys(): DuplicateKey[] {
    const issues: DuplicateKey[] = []
    const walk = (node: unknown, path: PathSegment[]): void => {
      if (isMap(node)) {
        const firstLine = new Map<string, number>()
        for (const pair of node.items) {
          const key = keyText(pair.key)
          const earlier = firstLine.get(key)
          if (earlier === undefined) {
            firstLine.set(key, this.positionOfNode(pair.key).line)
          } else {
            issues.push({
              ...this.positionOfNode(pair.key),
              path: [...path, key],
              message: `${JSON.stringify(key)} appears twice in this map (first on line ${earlier}); keep one`,
            })
          }
          walk(pair.value, [...path, key])
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, index) => walk(item, [...path, index]))
      }
    }
    walk(this.document.contents, [])
    return issues
  }

  /** The document as plain data. Throws on YAML that syntaxProblems() reports, or on alias bombs. */
  toValue(): unknown {
    return this.document.toJS({maxAliasCount: 100})
  }

  /**
   * Where an issue belongs in the file: the key for key problems and empty values, the value
   * otherwise. A path that leaves the document (a missing key) lands on the nearest parent's key.
   */
  locate(issue: PathIssue): Position {
    let node: unknown = this.document.contents
    let keyNode: unknown
    for (const segment of issue.path) {
      const found = this.child(node, segment)
      if (found === undefined) return this.positionOfNode(keyNode ?? node)
      node = found.node
      keyNode = found.keyNode
    }
    const pointAtKey = issue.at === 'key' || isEmpty(node)
    return this.positionOfNode(pointAtKey && keyNode !== undefined ? keyNode : node)
  }

  private child(parent: unknown, segment: PathSegment): {node: unknown; keyNode: unknown} | undefined {
    const container = isAlias(parent) ? parent.resolve(this.document) : parent
    if (isMap(container)) {
      const pair = container.items.find((item) => keyText(item.key) === String(segment))
      return pair === undefined ? undefined : {node: pair.value, keyNode: pair.key}
    }
    if (isSeq(container) && typeof segment === 'number' && segment < container.items.length) {
      return {node: container.items[segment], keyNode: undefined}
    }
    return undefined
  }

  /** `{app: api, command: run ${X}}` breaks YAML flow syntax; the fix is quoting, which is not obvious. */
  private quotingHint(line: number): string {
    const text = this.lines[line - 1] ?? ''
    const isFlowWithVariable = text.includes('${') && /[{[]/.test(text.replaceAll('${', ''))
    return isFlowWithVariable ? '; a value with ${…} inside {…} or […] needs quotes: "…${VAR}…"' : ''
  }

  private positionOfNode(node: unknown): Position {
    const range = (node as Node | null | undefined)?.range
    return range ? this.positionOfOffset(range[0]) : {line: 1, column: 1}
  }

  private positionOfOffset(offset: number): Position {
    const {line, col} = this.lineCounter.linePos(offset)
    return {line, column: col}
  }
}

const MAX_SYNTAX_PROBLEMS = 3

/** Far more than a manifest needs (hooks.post[0].run.command is five levels), far less than exhausts a parser. */
const MAX_NESTING = 64

const TOO_DEEP =
  `the manifest nests more than ${MAX_NESTING} levels deep here; a manifest needs about six ` +
  '(environments → production → apps → api → host), so look for brackets [ { that are never closed, or a file that is not a manifest'

/** The yaml package's messages say what it found; these add what to change. */
function syntaxMessage(code: string, message: string): string {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one document; a manifest is a single document, so remove the --- line'
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation; indent with spaces'
    case 'BAD_INDENT':
      return `${lowerFirst(message)}; check the indentation: the keys of one map start in the same column, nested keys further right`
    default:
      // The parser gives up with the engine's own words when brackets nest hundreds deep.
      if (/maximum call stack size exceeded/i.test(message)) return TOO_DEEP
      return lowerFirst(message)
  }
}

/**
 * The offset of the first `[` or `{` opened more than MAX_NESTING deep, outside quotes and comments, or
 * undefined. Only used to place a nesting problem the parser found, so brackets in plain text do no harm.
 */
function tooDeepBracket(text: string): number | undefined {
  let depth = 0
  let quote: '"' | "'" | undefined
  for (let offset = 0; offset < text.length; offset++) {
    const char = text[offset]!
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') offset++
      else if (char === quote) quote = undefined
      continue
    }
    if (char === '"' || char === "'") quote = char
    else if (char === '#' && (offset === 0 || /\s/.test(text[offset - 1]!))) {
      const end = text.indexOf('\n', offset)
      if (end === -1) return undefined
      offset = end
    } else if (char === '[' || char === '{') {
      depth++
      if (depth > MAX_NESTING) return offset
    } else if ((char === ']' || char === '}') && depth > 0) depth--
  }
  return undefined
}

/** A key as the plain data names it: the yaml package turns a null key (`null:`, `~:`, `: x`) into "". */
function keyText(key: unknown): string {
  if (key === null || key === undefined) return ''
  if (isScalar(key)) return key.value === null ? '' : String(key.value)
  return String(key)
}

/** `host:` with nothing after it: there is no value to point at, so point at the key. */
function isEmpty(node: unknown): boolean {
  if (node === null || node === undefined) return true
  return isScalar(node) && node.range !== undefined && node.range !== null && node.range[0] === node.range[1]
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
