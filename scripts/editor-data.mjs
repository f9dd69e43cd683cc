// Editor completion data made from custom-elements.json: VS Code's HTML and
// CSS custom data (tags and attributes; the --pin-* properties) (html.customData / css.customData settings) and JetBrains
// web-types (found through package.json "web-types").

/** The elements (classes with a tag) in a manifest. */
export function elementsOf(manifest) {
  return manifest.modules.flatMap((m) => (m.declarations ?? []).filter((d) => d.customElement && d.tagName).map((d) => ({ ...d, module: m.path })));
}

/** `'a' | 'b' | undefined` -> ['a', 'b']; anything else -> []. */
function literalValues(type) {
  const parts = (type?.text ?? '').split('|').map((p) => p.trim()).filter((p) => p !== 'undefined');
  return parts.length && parts.every((p) => /^'[^']*'$/.test(p)) ? parts.map((p) => p.slice(1, -1)) : [];
}

function describe(element) {
  return [element.summary, element.description].filter(Boolean).join('\n\n');
}

export function htmlCustomData(manifest) {
  return {
    $schema: 'https://raw.githubusercontent.com/microsoft/vscode-html-languageservice/main/docs/customData.schema.json',
    version: 1.1,
    tags: elementsOf(manifest).map((element) => ({
      name: element.tagName,
      description: describe(element),
      attributes: (element.attributes ?? []).map((attribute) => {
        const values = literalValues(attribute.type);
        return {
          name: attribute.name,
          description: attribute.description ?? '',
          ...(values.length ? { values: values.map((name) => ({ name })) } : {}),
          ...(attribute.type?.text === 'boolean' ? { valueSet: 'v' } : {}),
        };
      }),
    })),
  };
}

export function cssCustomData(manifest) {
  const properties = new Map();
  for (const element of elementsOf(manifest)) {
    for (const p of element.cssProperties ?? []) {
      const entry = properties.get(p.name) ?? { name: p.name, description: p.description ?? '', elements: [] };
      entry.elements.push(element.tagName);
      if (p.default && !entry.default) entry.default = p.default;
      properties.set(p.name, entry);
    }
  }
  return {
    $schema: 'https://raw.githubusercontent.com/microsoft/vscode-css-languageservice/main/docs/customData.schema.json',
    version: 1.1,
    properties: [...properties.values()].map((p) => ({
      name: p.name,
      description: `${p.description}${p.default ? ` Default: \`${p.default}\`.` : ''} (${p.elements.join(', ')})`,
    })),
  };
}

export function webTypes(manifest, pkg) {
  return {
    $schema: 'https://json.schemastore.org/web-types',
    name: pkg.name,
    version: pkg.version,
    'description-markup': 'markdown',
    'js-types-syntax': 'typescript',
    contributions: {
      html: {
        elements: elementsOf(manifest).map((element) => ({
          name: element.tagName,
          description: describe(element),
          source: { module: `./${element.module}`, symbol: element.name },
          attributes: (element.attributes ?? []).map((a) => ({
            name: a.name,
            description: a.description ?? '',
            value: { type: a.type?.text ?? 'string', ...(a.default ? { default: a.default } : {}) },
          })),
          events: (element.events ?? []).map((e) => ({ name: e.name, description: e.description ?? '' })),
          css: {
            properties: (element.cssProperties ?? []).map((p) => ({ name: p.name, description: p.description ?? '' })),
            parts: (element.cssParts ?? []).map((p) => ({ name: p.name, description: p.description ?? '' })),
          },
          js: {
            properties: (element.members ?? [])
              .filter((m) => m.kind === 'field')
              .map((m) => ({ name: m.name, description: m.description ?? '', type: m.type?.text ?? 'unknown' })),
            events: (element.events ?? []).map((e) => ({ name: e.name, description: e.description ?? '' })),
          },
        })),
      },
    },
  };
}
