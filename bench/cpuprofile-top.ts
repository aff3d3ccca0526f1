// Prints the heaviest functions of a V8 .cpuprofile (self and total time), for `node --cpu-prof` runs of the benches.
// `npx node bench/cpuprofile-top.ts <file.cpuprofile> [count]`
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, countArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpuprofile-top.ts <file.cpuprofile> [count]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) {
    parent.set(child, node.id);
  }
}
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const label = (node: ProfileNode): string =>
  `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/main\//, '')}:${node.callFrame.lineNumber + 1}`;
const selfByLabel = new Map<string, number>();
const totalByLabel = new Map<string, number>();
for (const [id, time] of self) {
  const node = byId.get(id);
  if (!node) continue;
  selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + time);
  const seen = new Set<string>();
  let current: number | undefined = id;
  for (let depth = 0; current !== undefined && depth < 500; depth++) {
    const n = byId.get(current);
    if (!n) break;
    const l = label(n);
    if (!seen.has(l)) {
      seen.add(l);
      totalByLabel.set(l, (totalByLabel.get(l) ?? 0) + time);
    }
    current = parent.get(current);
  }
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const count = Number(countArg ?? 25);
const show = (title: string, map: Map<string, number>): void => {
  console.log(`${title} (of ${(total / 1000).toFixed(0)} ms)`);
  for (const [l, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${l}`);
  }
};
show('self', selfByLabel);
show('total', totalByLabel);
