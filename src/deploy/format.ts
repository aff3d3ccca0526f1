// The report as the CLI prints it: a table of items and actions, the checks with what to do, a summary line.
import type { InstallCheck, InstallReport } from './types.ts';

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const MARK: Record<InstallCheck['status'], string> = { ok: 'ok', warning: 'WARN', error: 'FAIL', unknown: '?' };

export function formatReport(report: InstallReport): string {
  const lines: string[] = [];
  const title: Record<InstallReport['mode'], string> = {
    install: 'sas-guard deploy',
    'dry-run': 'sas-guard deploy --dry-run (nothing was changed)',
    uninstall: 'sas-guard deploy --uninstall',
    'uninstall dry-run': 'sas-guard deploy --uninstall --dry-run (nothing was changed)',
  };
  lines.push(
    `${title[report.mode]}: ${report.baseUrl} project ${report.projectId}` +
      (report.medplumVersion ? ` (Medplum ${report.medplumVersion})` : ''),
    '',
  );
  const rows = [['ACTION', 'KIND', 'NAME', 'RESOURCE']];
  for (const item of report.items) {
    rows.push([item.action, item.kind, item.name + (item.detail ? ` (${item.detail})` : ''), item.reference ?? '']);
  }
  lines.push(...table(rows));

  if (report.checks.length > 0) {
    lines.push('', 'Checks (what deploy cannot set itself):');
    for (const check of report.checks) {
      lines.push(`  [${MARK[check.status]}] ${check.name}: ${check.message}`);
      if (check.fix && check.status !== 'ok') {
        lines.push(`         → ${check.fix}`);
      }
    }
  }
  if (report.smokeTest) {
    const smoke = report.smokeTest;
    lines.push(
      '',
      `Smoke test: ${smoke.passed ? 'passed' : 'FAILED'}: ${smoke.message}` +
        ` (violation → ${smoke.violationStatus ?? '-'}, valid → ${smoke.validStatus ?? '-'};` +
        ` cleaned up: ${smoke.cleanedUp.length > 0 ? smoke.cleanedUp.join(', ') : 'nothing written'})`,
    );
  }

  const counts = new Map<string, number>();
  for (const item of report.items) {
    counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  }
  const summary = [...counts.entries()].map(([action, count]) => `${count} ${action}`).join(', ');
  lines.push(
    '',
    `${summary || 'nothing to do'} in ${report.durationMs} ms${report.ok ? '' : ' — NOT READY, see the checks above'}`,
  );
  if (report.mode === 'install' && report.accessPolicyId) {
    lines.push(
      `SAS client applications: attach AccessPolicy/${report.accessPolicyId} to each client's ProjectMembership (see docs/deploy.md, "One client per editor").`,
    );
  }
  return lines.join('\n');
}
