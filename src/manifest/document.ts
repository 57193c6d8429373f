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
      problems.push({...position, message: `invalid YAML: ${syntaxMessage(error.code, error.message)}${this.quotingHint(position.line)}`})
    }
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
      return lowerFirst(message)
  }
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key)
}

/** `host:` with nothing after it: there is no value to point at, so point at the key. */
function isEmpty(node: unknown): boolean {
  if (node === null || node === undefined) return true
  return isScalar(node) && node.range !== undefined && node.range !== null && node.range[0] === node.range[1]
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
