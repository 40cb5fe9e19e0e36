// Register page: citizen account (registering logs in).

import * as api from './api.js';
import { $, initLayout, showFieldErrors, clearErrors, busy } from './ui.js';
import { passwordToggles, nextPage, carryNext, showApiError } from './auth.js';

function check(v) {
  const errors = [];
  if (!/^\d{12}$/.test(v.citizen_id)) errors.push({ field: 'citizen_id', message: v.citizen_id ? 'Số định danh cá nhân phải gồm đúng 12 chữ số' : 'Vui lòng nhập số định danh cá nhân' });
  if (!v.full_name) errors.push({ field: 'full_name', message: 'Vui lòng nhập họ và tên' });
  if (!v.phone) errors.push({ field: 'phone', message: 'Vui lòng nhập số điện thoại' });
  else if (!/^(0|\+84)([35789]\d{8}|2\d{9})$/.test(v.phone)) errors.push({ field: 'phone', message: 'Số điện thoại không hợp lệ, ví dụ: 0912345678' });
  if (v.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.email)) errors.push({ field: 'email', message: 'Địa chỉ thư điện tử không hợp lệ' });
  if (v.password.length < 8 || v.password.length > 128) errors.push({ field: 'password', message: 'Mật khẩu phải có từ 8 đến 128 ký tự' });
  if (v.password2 !== v.password) errors.push({ field: 'password2', message: v.password2 ? 'Mật khẩu nhập lại không khớp' : 'Vui lòng nhập lại mật khẩu' });
  return errors;
}

async function init() {
  const who = await initLayout(null);
  const form = $('#form');
  passwordToggles(form);
  carryNext($('#login-link'));
  if (who) location.replace(nextPage());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = {
      citizen_id: form.citizen_id.value.replace(/\s/g, ''),
      full_name: form.full_name.value.trim().replace(/\s+/g, ' ').normalize('NFC'),
      phone: form.phone.value.replace(/[\s.-]/g, ''),
      email: form.email.value.trim(),
      password: form.password.value,
      password2: form.password2.value,
    };
    const errors = check(v);
    if (errors.length) { showFieldErrors(form, errors); return; }
    clearErrors(form);
    const body = { citizen_id: v.citizen_id, full_name: v.full_name, phone: v.phone, password: v.password };
    if (v.email) body.email = v.email;
    const restore = busy($('#submit'), 'Đang đăng ký…');
    try {
      await api.register(body);
      location.href = nextPage();
    } catch (err) {
      restore();
      showApiError(form, err, 'Chưa đăng ký được tài khoản');
    }
  });
}

init();
