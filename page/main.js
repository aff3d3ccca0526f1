// The test bench page: its setup once, then the host's event stream (a snapshot, then each new request and each new
// checklist tick) kept in `state` and drawn by table.js, checklist.js and detail.js. The address's #fragment says what
// is open: `#request-12` a request, `#rule-ST-2` a rule of the catalogue.
import { renderCatalogue, renderChecklist } from './checklist.js';
import { renderDetail } from './detail.js';
import { initLanguage, setLanguage, t, translateStatic } from './labels.js';
import { filters, renderTraffic } from './table.js';

const state = { requests: [], total: 0, size: 0, checklist: [], rules: [], openSeq: undefined, live: 'connecting' };

function renderLive() {
  const live = document.getElementById('live');
  live.dataset.state = state.live;
  live.textContent = t(state.live);
}

function render() {
  translateStatic();
  renderLive();
  renderTraffic(state, render);
  renderChecklist(state.checklist);
  renderCatalogue(state.rules);
  document.getElementById('filter-identifier').value = filters.identifier;
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === document.documentElement.lang));
  }
}

function follow() {
  const hash = decodeURIComponent(location.hash.slice(1));
  const request = /^request-(\d+)$/.exec(hash);
  if (request) {
    state.openSeq = Number(request[1]);
    renderTraffic(state, render);
    void renderDetail(state.openSeq, () => (location.hash = ''), state.administrator);
    document.getElementById('detail').scrollIntoView({ block: 'start' });
    return;
  }
  if (hash.startsWith('rule-')) {
    document.getElementById('catalogue-details').open = true;
    document.getElementById(hash)?.scrollIntoView({ block: 'start' });
    return;
  }
  state.openSeq = undefined;
  document.getElementById('detail').hidden = true;
  renderTraffic(state, render);
}

/** A refused stream (a session expired, a host restarted) is opened again, or the page goes back to the token form. */
function reconnectLater() {
  setTimeout(async () => {
    try {
      const response = await fetch('/_sas-guard/api/setup');
      if (response.status === 401) {
        location.reload();
      } else {
        connect();
      }
    } catch {
      reconnectLater();
    }
  }, 2000);
}

function connect() {
  const events = new EventSource('/_sas-guard/api/events');
  events.addEventListener('open', () => {
    state.live = 'live';
    renderLive();
  });
  events.addEventListener('error', () => {
    state.live = events.readyState === EventSource.CLOSED ? 'offline' : 'connecting';
    renderLive();
    if (events.readyState === EventSource.CLOSED) {
      reconnectLater();
    }
  });
  events.addEventListener('snapshot', (event) => {
    Object.assign(state, JSON.parse(event.data));
    state.live = 'live';
    render();
  });
  events.addEventListener('request', (event) => {
    const request = JSON.parse(event.data);
    state.requests.unshift(request);
    state.requests.length = Math.min(state.requests.length, state.size);
    state.total = request.seq;
    renderTraffic(state, render);
  });
  events.addEventListener('checklist', (event) => {
    state.checklist = JSON.parse(event.data);
    renderChecklist(state.checklist);
  });
}

async function start() {
  const response = await fetch('/_sas-guard/api/setup');
  if (response.status === 401) {
    location.reload();
    return;
  }
  const setup = await response.json();
  state.rules = setup.rules;
  state.size = setup.logSize;
  state.administrator = setup.administrator;
  initLanguage(setup.language);
  document.getElementById('base').textContent = setup.fhirBaseUrl;
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => {
      setLanguage(button.dataset.lang);
      render();
      follow();
    });
  }
  const form = document.getElementById('filters');
  form.addEventListener('input', () => {
    filters.identifier = document.getElementById('filter-identifier').value.trim();
    filters.status = document.getElementById('filter-status').value;
    filters.rule = document.getElementById('filter-rule').value;
    renderTraffic(state, render);
  });
  form.addEventListener('reset', () => {
    Object.assign(filters, { identifier: '', status: '', rule: '' });
    setTimeout(render);
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  window.addEventListener('hashchange', follow);
  render();
  connect();
  follow();
}

void start();
