// `npm run analyze`: writes custom-elements.json from the elements' JSDoc
// (@summary, @slot, @event, @csspart, @cssproperty) and their Lit properties.
// Storybook reads it for controls and docs; editors and linters read it too.

/**
 * The elements register through a guarded `defineElement('tag', Class)`
 * (it skips a tag another copy of the library already took), which the
 * analyzer does not know as a definition: record it like
 * `customElements.define`, so each class gets its tag name.
 */
function defineElementCalls() {
  return {
    name: 'pin-messaging/define-element',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 'defineElement') return;
      const [tag, klass] = node.arguments;
      if (!tag || !ts.isStringLiteral(tag) || !klass || !ts.isIdentifier(klass)) return;
      const imported = importPathOf(ts, node.getSourceFile(), klass.text);
      moduleDoc.exports = [
        ...(moduleDoc.exports ?? []),
        {
          kind: 'custom-element-definition',
          name: tag.text,
          declaration: { name: klass.text, module: imported ? resolve(moduleDoc.path, imported) : moduleDoc.path },
        },
      ];
    },
    packageLinkPhase({ customElementsManifest }) {
      // defineElement's own `customElements.define(tag, ctor)` is not a definition of anything.
      const classes = new Set(customElementsManifest.modules.flatMap((m) => (m.declarations ?? []).map((d) => d.name)));
      for (const mod of customElementsManifest.modules) {
        mod.exports = mod.exports?.filter((e) => e.kind !== 'custom-element-definition' || classes.has(e.declaration.name));
      }
    },
  };
}

/**
 * Keeps the manifest to the public API: private and protected members (store
 * bindings, handlers, internal state) are implementation, and Storybook would
 * otherwise list them as controls. Events come from the @event tags.
 */
function publicOnly() {
  return {
    name: 'pin-messaging/public-only',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        for (const declaration of mod.declarations ?? []) {
          if (declaration.members) {
            declaration.members = declaration.members.filter((m) => (m.privacy ?? 'public') === 'public' && !m.static);
          }
          // Internal @state fields are listed as attributes too; they have none (editors would offer them).
          if (declaration.attributes && declaration.members) {
            const fields = new Set(declaration.members.map((m) => m.name));
            declaration.attributes = declaration.attributes.filter((a) => !a.fieldName || fields.has(a.fieldName));
          }
          // `dispatchEvent(new PinSentEvent(...))` is found without a name; the @event tags name them.
          if (declaration.events) declaration.events = declaration.events.filter((e) => e.name);
        }
      }
    },
  };
}

/** Where `name` is imported from in `file` (a relative specifier), if it is. */
function importPathOf(ts, file, name) {
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name)) {
      return statement.moduleSpecifier.text;
    }
  }
  return undefined;
}

/** `src/a/define.ts` + `./b.js` -> `src/a/b.ts`. */
function resolve(from, specifier) {
  const parts = from.split('/').slice(0, -1);
  for (const piece of specifier.split('/')) {
    if (piece === '..') parts.pop();
    else if (piece !== '.') parts.push(piece);
  }
  return parts.join('/').replace(/\.js$/, '.ts');
}

export default {
  globs: ['src/elements/**/*.ts'],
  exclude: ['src/elements/**/*.test.ts', 'src/elements/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [defineElementCalls(), publicOnly()],
};
