import type {PathIssue, PathSegment} from './issues.js'

/**
 * `${VAR}` in manifest values comes from the environment graduate runs in; `$${` is a literal
 * `${`. Hook commands are left exactly as written: they reach a shell, which expands variables
 * itself when the hook runs.
 */

const REFERENCE = /\$\$\{|\$\{([^}]*)(\})?/g
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface Interpolated {
  value: unknown
  issues: PathIssue[]
}

export function interpolate(value: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const issues: PathIssue[] = []
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      if (isHookCommand(path)) return node
      const {text, problems} = substitute(node, env)
      for (const message of problems) issues.push({path, at: 'value', message})
      return text
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]))
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, [...path, key])]))
    }
    return node
  }
  return {value: walk(value, []), issues}
}

/** hooks.<phase>[i].local, hooks.<phase>[i].run.command and hooks.<phase>[i].ssh.command. */
function isHookCommand(path: readonly PathSegment[]): boolean {
  if (path[0] !== 'hooks' || typeof path[2] !== 'number') return false
  const rest = path.slice(3)
  return (rest.length === 1 && rest[0] === 'local') || (rest.length === 2 && (rest[0] === 'run' || rest[0] === 'ssh') && rest[1] === 'command')
}

function substitute(text: string, env: NodeJS.ProcessEnv): {text: string; problems: string[]} {
  const problems: string[] = []
  const result = text.replace(REFERENCE, (match, name: string | undefined, closed: string | undefined) => {
    if (match === '$${') return '${'
    if (closed === undefined) {
      problems.push(`${match} is not closed; write \${NAME}, or $\${ for a literal \${`)
      return match
    }
    if (name === undefined || !VARIABLE_NAME.test(name)) {
      problems.push(`${match} is not a variable reference; write \${NAME} with letters, digits and underscores, or $\${ for a literal \${`)
      return match
    }
    const replacement = env[name]
    if (replacement === undefined) {
      problems.push(`\${${name}} is not set; export it or write the value in the manifest`)
      return match
    }
    return replacement
  })
  return {text: result, problems}
}
