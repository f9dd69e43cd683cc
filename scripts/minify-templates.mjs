// Minifies Lit's tagged templates in the built modules (dist/src), in place,
// before the CDN file is bundled from them; the sources stay as written.
// - css``: esbuild's CSS minifier (already the bundler). Written for readers,
//   the styles were about a fifth of the library's own minified code.
// - html`` and svg``: each run of whitespace that holds a line break becomes
//   one line break. The same text nodes remain, and a browser collapses such a
//   run to one space either way, so nothing renders differently. Templates
//   with content in a <pre> or <textarea>, where whitespace shows, are left alone.
// test/package/templates.spec.ts checks the built styles against the sources.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';
import ts from 'typescript';

/** Tags each module may import, by the module they come from. */
const TAGS = {
  lit: { css: 'css', html: 'markup', svg: 'markup' },
  'lit/static-html.js': { html: 'markup', svg: 'markup' },
};

/** Rewrites the templates of every .js file under `dir`; returns the files changed with their sizes. */
export async function minifyTemplates(dir) {
  const changed = [];
  for (const file of jsFiles(dir)) {
    const code = readFileSync(file, 'utf8');
    const templates = taggedTemplates(file, code);
    if (!templates.length) continue;
    const edits = [];
    for (const { kind, template } of templates) {
      if (kind === 'css') edits.push(await minifyCss(file, template));
      else edits.push(...minifyMarkup(code, template));
    }
    let out = '';
    let at = 0;
    for (const { start, end, text } of edits.filter(Boolean).sort((a, b) => a.start - b.start)) {
      out += code.slice(at, start) + text;
      at = end;
    }
    out += code.slice(at);
    if (out === code) continue;
    writeFileSync(file, out);
    changed.push({ file, before: code.length, after: out.length });
  }
  return changed;
}

async function minifyCss(file, template) {
  if (!ts.isNoSubstitutionTemplateLiteral(template)) {
    // Expressions would need placeholders the CSS parser accepts wherever they
    // stand; no style uses one, so refuse rather than guess.
    throw new Error(`${file}: a css\`\` template with \${} expressions; teach scripts/minify-templates.mjs to keep them`);
  }
  // Lit reads the cooked string (escapes applied): minify that and write it
  // back escaped for a template literal.
  const { code, warnings } = await transform(template.text, { loader: 'css', minify: true, logLevel: 'silent' });
  if (warnings.length) throw new Error(`${file}: ${warnings.map((w) => w.text).join('; ')}`);
  return { start: template.getStart(), end: template.getEnd(), text: '`' + escapeTemplate(code.trim()) + '`' };
}

/** One edit per static part; the raw source text is rewritten, so escapes stay as written. */
function minifyMarkup(code, template) {
  const parts = ts.isNoSubstitutionTemplateLiteral(template)
    ? [template]
    : [template.head, ...template.templateSpans.map((span) => span.literal)];
  // A part's source runs from its ` or } to its ` or ${.
  const spans = parts.map((part) => ({
    start: part.getStart() + 1,
    end: part.getEnd() - (ts.isNoSubstitutionTemplateLiteral(part) || ts.isTemplateTail(part) ? 1 : 2),
  }));
  const statics = spans.map(({ start, end }) => code.slice(start, end));
  if (/<(pre|textarea)\b[^>]*>(?!<\/(pre|textarea)>)/i.test(statics.join('${}'))) return [];
  const collapsed = unquoteAttributes(statics.map((text) => text.replace(/[ \t\r\n]*\n[ \t\r\n]*/g, '\n')));
  return spans.map(({ start, end }, i) => ({ start, end, text: collapsed[i] }));
}

/**
 * Drops the quotes around static attribute values that need none
 * (`part="chip"` to `part=chip`): letters, digits, `_ . : -`, followed by
 * white space or the tag's end. Lit's template scanner reads unquoted values
 * (it must, for `attr=${x}`); a value next to a binding or before `/>` keeps
 * its quotes. Works on the static parts joined with a NUL where each binding
 * stands, so a tag that spans a binding is read as one tag.
 */
function unquoteAttributes(statics) {
  const joined = statics.join('\0');
  // Escapes would make the raw text and what Lit reads differ: leave such templates as they are.
  if (statics.some((text) => text.includes('\0') || text.includes('\\'))) return statics;
  const SPACE = /[ \t\n\f\r]/;
  let out = '';
  let i = 0;
  while (i < joined.length) {
    const lt = joined.indexOf('<', i);
    if (lt < 0) {
      out += joined.slice(i);
      break;
    }
    out += joined.slice(i, lt);
    i = lt;
    if (joined.startsWith('<!--', i)) {
      const end = joined.indexOf('-->', i + 4);
      const stop = end < 0 ? joined.length : end + 3;
      out += joined.slice(i, stop);
      i = stop;
      continue;
    }
    const name = /^<[a-zA-Z][^ \t\n\f\r/>\0]*/.exec(joined.slice(i));
    if (!name) {
      out += '<';
      i += 1;
      continue;
    }
    // Raw text elements: their content is not markup.
    if (/^<(script|style|textarea|title|pre)$/i.test(name[0])) return statics;
    out += name[0];
    i += name[0].length;
    // Inside the tag, up to its `>`.
    while (i < joined.length && joined[i] !== '>') {
      const attribute = /^([^ \t\n\f\r"'>/=\0]+)([ \t\n\f\r]*=[ \t\n\f\r]*)"([^"]*)"/.exec(joined.slice(i));
      if (attribute) {
        const [whole, key, equals, value] = attribute;
        const after = joined[i + whole.length] ?? '';
        out += /^[\w.:-]+$/.test(value) && (SPACE.test(after) || after === '>') ? `${key}${equals}${value}` : whole;
        i += whole.length;
        continue;
      }
      const quoted = /^[^ \t\n\f\r"'>/=\0]+[ \t\n\f\r]*=[ \t\n\f\r]*'[^']*'/.exec(joined.slice(i));
      const step = quoted ? quoted[0].length : 1;
      out += joined.slice(i, i + step);
      i += step;
    }
  }
  return out.split('\0');
}

function* jsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(path);
    else if (entry.name.endsWith('.js')) yield path;
  }
}

/** The tagged templates whose tag is one of TAGS, imported under any local name. */
function taggedTemplates(file, code) {
  if (!/from '(lit|lit\/static-html\.js)'/.test(code)) return [];
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const kinds = new Map();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const tags = TAGS[statement.moduleSpecifier.text];
    const bindings = statement.importClause?.namedBindings;
    if (!tags || !bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      const kind = tags[(element.propertyName ?? element.name).text];
      if (kind) kinds.set(element.name.text, kind);
    }
  }
  const found = [];
  const visit = (node) => {
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && kinds.has(node.tag.text)) {
      found.push({ kind: kinds.get(node.tag.text), template: node.template });
    }
    ts.forEachChild(node, visit);
  };
  if (kinds.size) visit(source);
  return found;
}

const escapeTemplate = (text) => text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
