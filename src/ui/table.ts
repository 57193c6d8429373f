import {stripVTControlCharacters} from 'node:util'

export interface TableOptions {
  /** Printed before every row. */
  indent?: string
  /** The widest a row may be, indent included; cells of `shrinkable` columns are cut with `…` to fit. */
  maxWidth?: number
  /** Column indexes that may be cut; the widest is cut first, ties in this order. */
  shrinkable?: number[]
  /** Columns whose cells align right (numbers, times). */
  alignRight?: number[]
}

const GAP = '  '
const NARROWEST = 8

/**
 * Rows (the first may be a header) as aligned text lines, without trailing blanks. Cells may be coloured:
 * widths are measured without escape sequences.
 */
export function formatTable(rows: string[][], options: TableOptions = {}): string[] {
  const indent = options.indent ?? ''
  const columns = Math.max(0, ...rows.map((row) => row.length))
  const widths = Array.from({length: columns}, (_, column) => Math.max(0, ...rows.map((row) => visibleLength(row[column] ?? ''))))
  const limits = fitWidths(widths, indent.length, options)
  return rows.map((row) => {
    const cells = row.map((cell, column) => {
      const limit = limits[column]!
      const text = visibleLength(cell) > limit ? cut(cell, limit) : cell
      const padding = ' '.repeat(limit - visibleLength(text))
      if (column === row.length - 1 && !options.alignRight?.includes(column)) return text
      return options.alignRight?.includes(column) ? padding + text : text + padding
    })
    return (indent + cells.join(GAP)).trimEnd()
  })
}

/** Narrows the widest shrinkable column, one character at a time, until the rows fit: long names share the cut. */
function fitWidths(widths: number[], indent: number, options: TableOptions): number[] {
  const limits = [...widths]
  if (options.maxWidth === undefined) return limits
  const total = () => indent + limits.reduce((sum, width) => sum + width, 0) + GAP.length * Math.max(0, limits.length - 1)
  while (total() > options.maxWidth) {
    const widest = (options.shrinkable ?? []).filter((column) => limits[column]! > NARROWEST).sort((a, b) => limits[b]! - limits[a]!)[0]
    if (widest === undefined) break
    limits[widest]!--
  }
  return limits
}

function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length
}

/** Cuts a cell to `limit` visible characters; colour is dropped from a cut cell, which is rare and only costs emphasis. */
function cut(cell: string, limit: number): string {
  return `${stripVTControlCharacters(cell).slice(0, Math.max(0, limit - 1))}…`
}
