// axe-core run inside the page (it walks open shadow roots), limited to the
// WCAG 2.0, 2.1 and 2.2 A/AA rules. Failures list each rule with its nodes.
import { createRequire } from 'node:module';
import { expect, type Page } from 'playwright/test';

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe on the whole page as it is now and expects no violation. */
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SOURCE });
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> } }).axe;
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations;
  }, WCAG_AA);
  const report = (violations as Violation[]).map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    ${JSON.stringify(n.target)}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}`).join('\n'),
  );
  expect(report, `axe violations with ${state}`).toEqual([]);
}
