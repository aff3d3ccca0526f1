// One request opened: what was sent, what the host answered (headers and body), the OperationOutcome as a table with
// each rule linked to its catalogue entry, and for an appointment its stored versions, each compared with the one
// before.
import { diff } from './diff.js';
import { clock, fill, h, pretty, readablePath, statusClass } from './dom.js';
import { t } from './labels.js';

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  return response.ok ? response.json() : undefined;
}

function headersTable(headers) {
  const rows = Object.entries(headers).map(([name, value]) => h('tr', {}, h('th', {}, name), h('td', {}, value)));
  return h('table', { class: 'headers' }, h('tbody', {}, rows));
}

function bodyBlock(body) {
  if (body.text === undefined) {
    return h('p', { class: 'note' }, body.bytes ? t('notText', body.bytes) : t('empty'));
  }
  return [
    body.truncated ? h('p', { class: 'note warning' }, t('truncated', body.text.length, body.bytes)) : undefined,
    h('pre', { class: 'body' }, body.truncated ? body.text : pretty(body.text)),
  ];
}

function outcomeTable(issues) {
  const rows = issues.map((issue) =>
    h(
      'tr',
      { class: issue.severity },
      h('td', {}, h('span', { class: `severity ${issue.severity}` }, issue.severity)),
      h(
        'td',
        {},
        issue.rule ? h('a', { class: `rule ${issue.severity}`, href: `#rule-${issue.rule}` }, issue.rule) : '—',
      ),
      h('td', { class: 'expression' }, issue.expression ?? ''),
      h('td', {}, issue.text ?? ''),
    ),
  );
  const head = ['severity', 'rule', 'expression', 'message'].map((key) => h('th', {}, t(key)));
  return h('table', { class: 'outcome' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows));
}

function shown(value) {
  return value === undefined
    ? h('span', { class: 'absent' }, '—')
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);
}

function versionsBlock(found, etag) {
  if (!found?.versions.length) {
    return h('p', { class: 'note' }, t('noVersions'));
  }
  const items = found.versions.map((version, index) => {
    const here = etag === `W/"${version.meta?.versionId}"`;
    const title = h(
      'h4',
      {},
      `${t('version', found.older + index + 1)} · ${clock(version.meta?.lastUpdated)} · ${version.status ?? ''}`,
      h('code', { class: 'vid' }, version.meta?.versionId ?? ''),
      here ? h('span', { class: 'here' }, t('producedHere')) : undefined,
    );
    if (index === 0) {
      return h(
        'li',
        { class: here ? 'here' : undefined },
        title,
        found.older ? undefined : h('p', { class: 'note' }, t('created')),
      );
    }
    const changes = diff(found.versions[index - 1], version);
    const table = changes.length
      ? h(
          'table',
          { class: 'diff' },
          h('thead', {}, h('tr', {}, h('th', {}, t('expression')), h('th', {}, t('before')), h('th', {}, t('after')))),
          h(
            'tbody',
            {},
            changes.map((change) =>
              h(
                'tr',
                {},
                h('td', { class: 'expression' }, change.path),
                h('td', { class: 'before' }, shown(change.before)),
                h('td', { class: 'after' }, shown(change.after)),
              ),
            ),
          ),
        )
      : h('p', { class: 'note' }, t('noChange'));
    return h('li', { class: here ? 'here' : undefined }, title, table);
  });
  return [
    found.older ? h('p', { class: 'note' }, t('older', found.older)) : undefined,
    h('ol', { class: 'versions' }, items),
  ];
}

async function versionsOf(entry) {
  if (!/\/Appointment(?:[/?]|$)/.test(entry.url)) return undefined;
  const query = entry.appointmentId
    ? `id=${encodeURIComponent(entry.appointmentId)}`
    : entry.identifier
      ? `identifier=${encodeURIComponent(entry.identifier)}`
      : undefined;
  if (!query) return undefined;
  const found = await getJson(`/_sas-guard/api/versions?${query}`);
  return h(
    'section',
    { class: 'versions-block' },
    h('h3', {}, t('versions', found?.id)),
    versionsBlock(found, entry.response.headers.etag),
  );
}

/** Shows request `seq` in `#detail`; `onClose` when its close button is pressed. */
export async function renderDetail(seq, onClose, administrator) {
  const section = document.getElementById('detail');
  section.hidden = false;
  const entry = await getJson(`/_sas-guard/api/requests/${seq}`);
  const close = h('button', { type: 'button', class: 'close', onclick: onClose }, t('close'));
  if (!entry) {
    fill(section, [close, h('h2', {}, `#${seq}`), h('p', { class: 'note' }, t('gone'))]);
    return;
  }
  fill(section, [
    close,
    h(
      'h2',
      {},
      `#${entry.seq} ${entry.method} `,
      h('span', { class: 'path' }, readablePath(entry.url)),
      ' → ',
      h('span', { class: `status ${statusClass(entry.status)}` }, entry.status),
    ),
    h(
      'p',
      { class: 'meta' },
      `${clock(entry.time)} · ${t('caller')} ${entry.caller === administrator ? `${t('administrator')}, ` : ''}${entry.caller ?? '—'} · ${t('duration')} ${entry.durationMs} ms`,
    ),
    entry.issues.length ? [h('h3', {}, t('outcome')), outcomeTable(entry.issues)] : undefined,
    h(
      'div',
      { class: 'exchange' },
      h('div', {}, h('h3', {}, t('sent')), headersTable(entry.request.headers), bodyBlock(entry.request.body)),
      h(
        'div',
        {},
        h('h3', {}, `${t('answer')} ${entry.status}`),
        headersTable(entry.response.headers),
        bodyBlock(entry.response.body),
      ),
    ),
  ]);
  const versions = await versionsOf(entry);
  if (versions && !section.hidden) {
    section.append(versions);
  }
}
