// The README is the newcomer's page: at most 200 lines, every link to a file of the project resolving, and its
// "Try it" commands — run as written, with bash, curl and jq, against a host started as `npm start` starts it — print
// what the README shows (ids, versions and the port aside).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { startInstalledHost } from '../reliability/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DOCUMENTED_BASE = 'http://127.0.0.1:8103';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

interface Step {
  command: string;
  output: string[];
}

/** Each `$ command` of the README's console blocks, with the lines it is shown printing. */
function consoleSteps(markdown: string): Step[] {
  const steps: Step[] = [];
  for (const [, block = ''] of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of block.trimEnd().split('\n')) {
      if (line.startsWith('$ ')) {
        steps.push({ command: line.slice(2), output: [] });
      } else {
        steps.at(-1)?.output.push(line);
      }
    }
  }
  return steps;
}

/** A UUID stands for whichever id the run gave, the same one each time it recurs (across steps: `seen`). */
function normalized(lines: string[], seen: Map<string, string>): string[] {
  return lines.map((line) =>
    line.replace(UUID, (uuid) => {
      if (uuid === 'b6e39355-8a61-4556-b340-36f7b95fec6a' || uuid.startsWith('c0ffee00')) return uuid;
      if (!seen.has(uuid)) seen.set(uuid, `<id ${seen.size + 1}>`);
      return seen.get(uuid) ?? uuid;
    }),
  );
}

function requireTool(tool: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is missing: the README's flow needs it (apt-get install -y ${tool})`);
  }
}

test('the README stays a page a newcomer finishes: at most 200 lines', () => {
  expect(README.split('\n').length).toBeLessThanOrEqual(200);
});

test("every link of the README and of docs/ to one of the project's files resolves", () => {
  const pages = ['README.md', ...readdirDocs()];
  for (const page of pages) {
    const text = readFileSync(join(ROOT, page), 'utf8');
    for (const [, target = ''] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      expect(existsSync(join(ROOT, dirname(page), target)), `${page} → ${target}`).toBe(true);
    }
  }
});

function readdirDocs(): string[] {
  return execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'docs/*.md'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

describe('"Try it", as written', () => {
  let host: RunningHost;

  beforeAll(async () => {
    requireTool('curl');
    requireTool('jq');
    host = await startInstalledHost();
  });
  afterAll(async () => {
    await host.close();
  });

  test('each command prints what the README shows', async () => {
    const steps = consoleSteps(README);
    expect(steps.length).toBeGreaterThanOrEqual(8);
    // One shell for the whole flow, as a reader runs it: the first line's variables serve the next ones.
    const script = steps.map((step, i) => `${step.command}\necho "::step ${i}::"`).join('\n');
    // Asynchronously: the host answers in this very process.
    const { stdout: actual } = await promisify(execFile)(
      'bash',
      ['-c', script.replaceAll(DOCUMENTED_BASE, host.url.replace(/\/$/, ''))],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    const printed = actual.split(/::step \d+::\n?/);
    const base = host.url.replace(/\/$/, '');
    const documentedIds = new Map<string, string>();
    const actualIds = new Map<string, string>();
    steps.forEach((step, i) => {
      const lines = (printed[i] ?? '')
        .replace(/\r/g, '')
        .trimEnd()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.replaceAll(base, DOCUMENTED_BASE));
      expect(normalized(lines, actualIds), step.command).toEqual(normalized(step.output, documentedIds));
    });
  });
});
