// The requests received, newest first: the filters (identifier, status, rule), the counts per status and per rule
// (each a shortcut to its filter), and one row per request.
import { clock, fill, h, readablePath, statusClass } from './dom.js';
import { t } from './labels.js';

export const filters = { identifier: '', status: '', rule: '' };

function matches(request) {
  const { identifier, status, rule } = filters;
  if (status && String(request.status) !== status) return false;
  if (rule && !request.errors.includes(rule) && !request.warnings.includes(rule)) return false;
  if (identifier) {
    const needle = identifier.toLowerCase();
    const haystack = `${request.identifier ?? ''} ${readablePath(request.url)}`.toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  return true;
}

function countBy(requests, keysOf) {
  const counts = new Map();
  for (const request of requests) {
    for (const key of keysOf(request)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => String(a).localeCompare(String(b), 'en', { numeric: true }));
}

function options(select, values, allLabel) {
  const chosen = select.value;
  fill(select, [h('option', { value: '' }, allLabel), values.map((v) => h('option', { value: v }, v))]);
  select.value = values.includes(chosen) ? chosen : '';
}

function chip(label, count, className, onClick) {
  return h(
    'button',
    { type: 'button', class: `chip ${className}`, onclick: onClick },
    `${label} `,
    h('b', {}, `×${count}`),
  );
}

function rulesCell(request) {
  return [
    request.errors.map((rule) => h('a', { class: 'rule error', href: `#rule-${rule}` }, rule)),
    request.warnings.map((rule) => h('a', { class: 'rule warning', href: `#rule-${rule}` }, rule)),
    request.reason ? h('span', { class: 'reason', title: request.reason }, request.reason) : undefined,
  ];
}

/** The host's admin client by that name (an open host's requests without credentials are its), others shortened. */
function callerLabel(caller, administrator) {
  if (!caller) return '—';
  if (caller === administrator) return t('administrator');
  const [type, id = ''] = caller.split('/');
  return id.length > 12 ? `${type}/${id.slice(0, 8)}…` : caller;
}

function row(request, state) {
  const open = () => (location.hash = `request-${request.seq}`);
  return h(
    'tr',
    {
      'data-seq': request.seq,
      class: request.seq === state.openSeq ? 'open' : undefined,
      tabindex: 0,
      onclick: (event) => event.target.closest('a') || open(),
      onkeydown: (event) => event.key === 'Enter' && open(),
    },
    h('td', { class: 'num' }, request.seq),
    h('td', { class: 'time' }, clock(request.time)),
    h('td', { class: 'client', title: request.caller }, callerLabel(request.caller, state.administrator)),
    h('td', { class: 'method' }, request.method),
    h('td', { class: 'path' }, readablePath(request.url)),
    h('td', {}, h('span', { class: `status ${statusClass(request.status)}` }, request.status || '—')),
    h('td', { class: 'num' }, `${request.durationMs} ms`),
    h('td', { class: 'rules' }, rulesCell(request)),
  );
}

/** Renders the filters' choices, the counts, the rows and the note under them. */
export function renderTraffic(state, rerender) {
  const { requests } = state;
  const byStatus = countBy(requests, (r) => [r.status]);
  const byRule = countBy(requests, (r) => [...r.errors, ...r.warnings]);
  options(
    document.getElementById('filter-status'),
    byStatus.map(([status]) => String(status)),
    t('all'),
  );
  options(
    document.getElementById('filter-rule'),
    byRule.map(([rule]) => rule),
    t('allRules'),
  );
  const pick = (key, value) => () => {
    filters[key] = value;
    rerender();
  };
  fill(document.getElementById('counts'), [
    h('span', { class: 'counts-label' }, t('countsStatus')),
    byStatus.map(([status, n]) => chip(status, n, `status ${statusClass(status)}`, pick('status', String(status)))),
    byRule.length ? h('span', { class: 'counts-label' }, t('countsRule')) : undefined,
    byRule.map(([rule, n]) => chip(rule, n, 'rule-count', pick('rule', rule))),
  ]);
  document.getElementById('filter-status').value = filters.status;
  document.getElementById('filter-rule').value = filters.rule;
  const shown = requests.filter(matches);
  fill(
    document.querySelector('#requests tbody'),
    requests.length === 0
      ? h('tr', {}, h('td', { colspan: 8, class: 'none' }, t('none')))
      : shown.map((request) => row(request, state)),
  );
  document.getElementById('shown').textContent = t('shown', shown.length, requests.length, state.total, state.size);
}
