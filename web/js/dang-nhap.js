// Login page: citizen ID number (or staff user name), password, one-time code when asked.

import * as api from './api.js';
import { $, initLayout, showFieldErrors, clearErrors, busy, param, safeNext, STAFF_HOME } from './ui.js';
import { passwordToggles, nextPage, carryNext, showApiError } from './auth.js';

/** Officers go to their desk (or back to the officers' page that sent them here); citizens as before. */
function after(account) {
  if (!account || account.kind !== 'staff') return nextPage();
  const next = safeNext(param('next'), STAFF_HOME);
  return next.startsWith(STAFF_HOME) ? next : STAFF_HOME;
}

async function init() {
  const who = await initLayout(null);
  const form = $('#form');
  passwordToggles(form);
  carryNext($('#register-link'));
  if (who) location.replace(after(who));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const login = form.login.value.trim();
    const password = form.password.value;
    const totp = form.totp.value.trim();
    const errors = [];
    if (!login) errors.push({ field: 'login', message: 'Vui lòng nhập số định danh cá nhân' });
    if (!password) errors.push({ field: 'password', message: 'Vui lòng nhập mật khẩu' });
    if (!$('#totp-field').hidden && !totp) errors.push({ field: 'totp', message: 'Vui lòng nhập mã xác thực' });
    if (errors.length) { showFieldErrors(form, errors); return; }
    clearErrors(form);
    const restore = busy($('#submit'), 'Đang đăng nhập…');
    try {
      const body = { login, password };
      if (totp) body.totp = totp;
      const account = await api.login(body);
      location.href = after(account);
    } catch (err) {
      restore();
      if (err.field === 'totp' || /totp/.test(err.code)) { $('#totp-field').hidden = false; }
      if (err.status === 401 && !err.field) {
        showFieldErrors(form, [{ field: null, message: err.message }], 'Đăng nhập không thành công');
        form.password.value = '';
      } else showApiError(form, err, 'Đăng nhập không thành công');
    }
  });
}

init();
