// The page's words, in French and English; the host's SAS_GUARD_LANGUAGE picks the first, the FR/EN switch the rest.

const LABELS = {
  fr: {
    title: "banc d'essai SAS",
    base: 'Base FHIR à donner au logiciel :',
    live: 'en direct',
    connecting: 'connexion…',
    offline: 'déconnecté, nouvel essai…',
    requests: 'Requêtes reçues',
    filterIdentifier: 'Identifiant',
    filterStatus: 'Statut',
    filterRule: 'Règle',
    filterReset: 'Tout afficher',
    all: 'tous',
    allRules: 'toutes',
    countsStatus: 'Par statut :',
    countsRule: 'Par règle :',
    colSeq: 'n°',
    colTime: 'heure',
    colClient: 'client',
    colMethod: 'méthode',
    colPath: 'chemin',
    colStatus: 'statut',
    colDuration: 'durée',
    colRules: 'règles ou motif',
    shown: (shown, kept, total, size) =>
      `${shown} affichée(s) sur ${kept} gardée(s) ; ${total} reçue(s) depuis le démarrage (le journal garde les ${size} dernières).`,
    none: 'Aucune requête pour l’instant : envoyez-en une à la base FHIR ci-dessus.',
    checklist: 'Liste SAS',
    checklistHelp: 'Cochée par le trafic réel de votre logiciel, chaque case avec la requête qui l’a prouvée.',
    proof: 'preuve',
    notYet: 'pas encore vu',
    catalogue: 'Catalogue des règles',
    severity: 'gravité',
    rule: 'règle',
    expression: 'élément',
    message: 'message',
    source: 'Source :',
    sent: 'Requête envoyée',
    answer: 'Réponse',
    headers: 'En-têtes',
    body: 'Corps',
    empty: '(vide)',
    notText: (bytes) => `${bytes} octets (pas du texte)`,
    truncated: (chars, bytes) => `tronqué : ${chars} premiers caractères sur ${bytes} octets`,
    outcome: 'OperationOutcome',
    versions: (id) => (id ? `Versions enregistrées de Appointment/${id}` : 'Versions enregistrées'),
    noVersions: 'Aucun RDV enregistré pour cet identifiant (rien n’a été stocké).',
    version: (n) => `version ${n}`,
    created: 'création',
    producedHere: '← la version renvoyée à cette requête',
    noChange: 'aucune différence de contenu',
    before: 'avant',
    after: 'après',
    older: (n) => `${n} version(s) plus ancienne(s) non affichée(s)`,
    gone: 'Cette requête n’est plus dans le journal (il garde les plus récentes).',
    close: 'Fermer',
    caller: 'client',
    duration: 'durée',
    administrator: 'admin de l’hôte',
  },
  en: {
    title: 'SAS test bench',
    base: 'FHIR base to give your software:',
    live: 'live',
    connecting: 'connecting…',
    offline: 'disconnected, retrying…',
    requests: 'Requests received',
    filterIdentifier: 'Identifier',
    filterStatus: 'Status',
    filterRule: 'Rule',
    filterReset: 'Show all',
    all: 'all',
    allRules: 'all',
    countsStatus: 'By status:',
    countsRule: 'By rule:',
    colSeq: '#',
    colTime: 'time',
    colClient: 'client',
    colMethod: 'method',
    colPath: 'path',
    colStatus: 'status',
    colDuration: 'duration',
    colRules: 'rules or reason',
    shown: (shown, kept, total, size) =>
      `${shown} shown of ${kept} kept; ${total} received since start (the log keeps the last ${size}).`,
    none: 'No request yet: send one to the FHIR base above.',
    checklist: 'SAS checklist',
    checklistHelp: "Ticked by your software's real traffic, each item with the request that proved it.",
    proof: 'proof',
    notYet: 'not seen yet',
    catalogue: 'Rule catalogue',
    severity: 'severity',
    rule: 'rule',
    expression: 'element',
    message: 'message',
    source: 'Source:',
    sent: 'Request sent',
    answer: 'Answer',
    headers: 'Headers',
    body: 'Body',
    empty: '(empty)',
    notText: (bytes) => `${bytes} bytes (not text)`,
    truncated: (chars, bytes) => `truncated: first ${chars} characters of ${bytes} bytes`,
    outcome: 'OperationOutcome',
    versions: (id) => (id ? `Stored versions of Appointment/${id}` : 'Stored versions'),
    noVersions: 'No appointment stored for this identifier (nothing was stored).',
    version: (n) => `version ${n}`,
    created: 'created',
    producedHere: '← the version this request was answered with',
    noChange: 'no difference in content',
    before: 'before',
    after: 'after',
    older: (n) => `${n} older version(s) not shown`,
    gone: 'This request is no longer in the log (it keeps the newest).',
    close: 'Close',
    caller: 'client',
    duration: 'duration',
    administrator: "host's admin",
  },
};

const STORAGE_KEY = 'sas-guard-language';
let current = 'fr';

/** The language chosen on this browser before, else the host's. */
export function initLanguage(hostLanguage) {
  const stored = localStorage.getItem(STORAGE_KEY);
  current = stored in LABELS ? stored : hostLanguage in LABELS ? hostLanguage : 'fr';
  return current;
}

export function setLanguage(language) {
  if (language in LABELS) {
    current = language;
    localStorage.setItem(STORAGE_KEY, language);
  }
}

export function language() {
  return current;
}

/** A label; a label that takes values is a function of them. */
export function t(key, ...values) {
  const label = LABELS[current][key] ?? LABELS.fr[key] ?? key;
  return typeof label === 'function' ? label(...values) : label;
}

/** Fills every `data-t` element of the static page. */
export function translateStatic(root = document) {
  document.documentElement.lang = current;
  for (const element of root.querySelectorAll('[data-t]')) {
    element.textContent = t(element.dataset.t);
  }
  document.title = `sas-guard — ${t('title')}`;
}
