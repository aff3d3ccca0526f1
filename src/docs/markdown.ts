// Markdown for the generated docs (rules catalogue, guarantees).

/** Text as one cell of a Markdown table: `|` escaped, line breaks made spaces. */
export function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
