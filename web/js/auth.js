// auth.js: what the register and login pages share: show-password buttons,
// the "next" page to return to, and turning API errors into field errors.

import { $, $$, pageUrl, param, safeNext, showFieldErrors, apiFieldErrors } from './ui.js';

export function passwordToggles(root = document) {
  for (const b of $$('[data-toggle="password"]', root)) {
    const input = $('#' + b.getAttribute('aria-controls'));
    b.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      b.textContent = show ? 'Ẩn' : 'Hiện';
      b.setAttribute('aria-pressed', String(show));
    });
  }
}

/** Where to go after login/registration: ?next= if it is a local path, else my dossiers. */
export const nextPage = () => safeNext(param('next'), pageUrl('ho-so-cua-toi'));

/** Keep ?next= on the link to the other auth page. */
export function carryNext(link) {
  const next = param('next');
  if (next && link) link.href += '?' + new URLSearchParams({ next });
}

/** Show an ApiError on form: field errors next to fields, or the message in the summary. */
export function showApiError(form, err, title) {
  const errors = apiFieldErrors(err);
  showFieldErrors(form, errors, title);
}
