// The YAML the example manifests use, and no more: block mappings and sequences by indentation, `- key: v`
// items, plain, quoted and numeric scalars, comments. Enough to check the manifests without a dependency;
// anything else (anchors, flow collections, multi-line strings) throws rather than being misread.
type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
interface Line {
  indent: number;
  text: string;
  number: number;
}

/** Parses one YAML document of the subset above. */
export function parseYaml(source: string): Value {
  const lines: Line[] = [];
  source.split("\n").forEach((raw, i) => {
    const text = raw.replace(/\s+#.*$/, "").trimEnd();
    if (text.trim() === "" || text.trim().startsWith("#")) return;
    if (/^\s*(---|\.\.\.)\s*$/.test(text)) return;
    if (/[&*|>{}[\]]/.test(text.replace(/"[^"]*"/g, ""))) {
      throw new SyntaxError(`line ${i + 1}: outside the subset`);
    }
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), number: i + 1 });
  });
  let at = 0;

  const block = (indent: number): Value =>
    lines[at].text.startsWith("- ") || lines[at].text === "-" ? sequence(indent) : mapping(indent);

  const mapping = (indent: number): Value => {
    const result: Record<string, Value> = {};
    while (at < lines.length && lines[at].indent === indent && !lines[at].text.startsWith("-")) {
      const line = lines[at++];
      const match = /^("[^"]*"|[^:]+):(?:\s+(.*))?$/.exec(line.text);
      if (!match) throw new SyntaxError(`line ${line.number}: expected "key: value"`);
      const key = match[1].replace(/^"|"$/g, "");
      if (match[2] !== undefined) result[key] = scalar(match[2]);
      else if (at < lines.length && lines[at].indent > indent) result[key] = block(lines[at].indent);
      else if (at < lines.length && lines[at].indent === indent && lines[at].text.startsWith("-")) {
        result[key] = sequence(indent);
      } else result[key] = null;
    }
    return result;
  };

  const sequence = (indent: number): Value[] => {
    const result: Value[] = [];
    while (at < lines.length && lines[at].indent === indent && lines[at].text.startsWith("-")) {
      const line = lines[at];
      const rest = line.text.slice(1).trimStart();
      if (rest === "") {
        at++;
        result.push(block(lines[at].indent));
      } else if (/^("[^"]*"|[^:"]+):(\s|$)/.test(rest)) {
        // `- key: value` opens a mapping whose keys sit two columns in.
        lines[at] = { indent: indent + 2, text: rest, number: line.number };
        result.push(mapping(indent + 2));
      } else {
        at++;
        result.push(scalar(rest));
      }
    }
    return result;
  };

  return lines.length === 0 ? null : block(lines[0].indent);
}

function scalar(text: string): Value {
  if (/^".*"$/.test(text)) return JSON.parse(text);
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replaceAll("''", "'");
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  if (text === "null" || text === "~") return null;
  return text;
}
