// Building DOM from data: text goes in as text, never as HTML, so nothing a client sent can run in the page.

/** `h('td', { class: 'x' }, 'text', child)`: an element with attributes and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  return fill(element, children, false);
}

/** Puts `children` in `element` (arrays flattened; undefined, null and false left out), replacing what was there. */
export function fill(element, children, replace = true) {
  if (replace) {
    element.replaceChildren();
  }
  for (const child of [children].flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** A body's JSON indented for reading; other text as it is. */
export function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), undefined, 2);
  } catch {
    return text;
  }
}

/** A path and query for reading: `%7C` shown as `|`, and so on (the text only; the request was what it was). */
export function readablePath(url) {
  try {
    return decodeURI(url).replace(/%7C/gi, '|').replace(/%3A/gi, ':').replace(/%2F/gi, '/');
  } catch {
    return url;
  }
}

export function statusClass(status) {
  if (status >= 500 || status === 0) return 's5';
  if (status === 422) return 's422';
  if (status >= 400) return 's4';
  if (status >= 300) return 's3';
  return 's2';
}

/** `14:03:07.125` of an ISO time, in the browser's time zone. */
export function clock(iso) {
  const date = new Date(iso);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
