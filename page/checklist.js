// The SAS checklist (ticked by the host from the editor's real traffic) and the rule catalogue the rule links open.
import { fill, h, readablePath, statusClass } from './dom.js';
import { language, t } from './labels.js';

export function renderChecklist(items) {
  fill(
    document.getElementById('checklist'),
    items.map((item) =>
      h(
        'li',
        { class: item.proof ? 'done' : 'todo', 'data-item': item.id },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, item.proof ? '✓' : '○'),
        h('span', { class: 'label' }, item.label[language()]),
        item.proof
          ? h(
              'a',
              { class: 'proof', href: `#request-${item.proof.seq}` },
              `#${item.proof.seq} ${item.proof.method} ${readablePath(item.proof.url)} `,
              h('span', { class: `status ${statusClass(item.proof.status)}` }, item.proof.status),
            )
          : h('span', { class: 'proof none' }, t('notYet')),
      ),
    ),
  );
}

export function renderCatalogue(rules) {
  const lang = language();
  fill(
    document.getElementById('rules'),
    rules.map((rule) =>
      h(
        'article',
        { id: `rule-${rule.id}`, class: 'rule-entry' },
        h('h3', {}, rule.id, ' ', h('span', { class: `severity ${rule.severity}` }, rule.severity), ` ${rule.code}`),
        h('p', {}, rule.description[lang]),
        h('p', { class: 'note' }, `${t('source')} ${rule.source[lang]}`),
        h(
          'ul',
          { class: 'messages' },
          rule.messages.map((message) => h('li', {}, message[lang])),
        ),
      ),
    ),
  );
}
