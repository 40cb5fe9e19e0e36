// Procedure page: what to prepare, fee, time, level; choose the handling unit
// and start an online dossier (a draft), then go on to the submit wizard.

import * as api from './api.js';
import { $, el, render, initLayout, pageUrl, param, formatFee, feeNote, processingText, levelBadges, LEVEL_D42, HANDLING_LEVEL,
  loading, pageError, alertBox, showAlert, combobox, busy, goLogin } from './ui.js';

const code = param('ma');

function docsTable(docs) {
  if (!docs || !docs.length) return el('p', { class: 'muted' }, 'Không yêu cầu giấy tờ kèm theo.');
  return el('table', { class: 'doc-table' },
    el('caption', { class: 'visually-hidden' }, 'Thành phần hồ sơ'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Tên giấy tờ'), el('th', { scope: 'col', class: 'num' }, 'Bản chính'), el('th', { scope: 'col', class: 'num' }, 'Bản sao'), el('th', { scope: 'col', class: 'num' }, 'Bắt buộc'))),
    el('tbody', {}, docs.map((d) => el('tr', {},
      el('td', {}, d.name),
      el('td', { class: 'num', 'data-label': 'Bản chính' }, String(d.originals ?? 0)),
      el('td', { class: 'num', 'data-label': 'Bản sao' }, String(d.copies ?? 0)),
      el('td', { class: 'num', 'data-label': 'Bắt buộc' }, d.required ? 'Có' : 'Không')))));
}

function facts(p) {
  const rows = [
    ['Mã thủ tục', el('span', { class: 'mono' }, p.code)],
    ['Lĩnh vực', p.field || '—'],
    ['Cấp thực hiện', HANDLING_LEVEL[p.handling_level] || p.handling_level || '—'],
    ['Mức độ dịch vụ công trực tuyến', `${LEVEL_D42[p.level_d42] || '—'} (Nghị định 42/2022/NĐ-CP)` + (p.level_old ? ` – tương đương mức độ ${p.level_old} theo cách phân loại cũ` : '')],
    ['Thời hạn giải quyết', [processingText(p), p.processing_time && p.processing_time.note ? el('div', { class: 'muted small' }, p.processing_time.note) : null]],
    ['Phí, lệ phí', [formatFee(p.fee), feeNote(p) ? el('div', { class: 'muted small' }, feeNote(p)) : null]],
    ['Kết quả thực hiện', p.result_type || p.result || '—'],
  ];
  if (Array.isArray(p.legal_basis) && p.legal_basis.length) rows.push(['Căn cứ pháp lý', el('ul', { class: 'plain-list' }, p.legal_basis.map((x) => el('li', {}, x)))]);
  if (p.cutoff) rows.push(['Thời điểm tiếp nhận', `Hồ sơ nộp sau ${p.cutoff} được tiếp nhận vào ngày làm việc tiếp theo`]);
  return el('dl', { class: 'facts' }, rows.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
}

async function applyCard(p, who) {
  const card = el('section', { class: 'card apply-card sticky-side', id: 'apply', 'aria-labelledby': 'apply-title' },
    el('div', { class: 'card-title' }, el('h2', { id: 'apply-title' }, 'Nộp hồ sơ trực tuyến')));
  const body = el('div', {}, loading('Đang tải danh sách cơ quan…'));
  card.append(body);
  (async () => {
    // One page of the units that handle it (at most 200: the 166 communes fit); when more
    // handle it, the box asks the server as the citizen types instead of holding them all.
    let units, total;
    const page = (q) => api.get('/units', { procedure: p.code, q, limit: 200 });
    try {
      const r = await page('');
      units = r.items || [];
      total = r.total || units.length;
    } catch (err) {
      render(body, alertBox('error', 'Không tải được danh sách cơ quan giải quyết', el('p', {}, err.message)));
      return;
    }
    if (!units.length) { render(body, alertBox('info', null, el('p', {}, 'Thủ tục này hiện chưa có cơ quan tiếp nhận hồ sơ trực tuyến.'))); return; }
    const option = (u) => ({ value: u.code, label: u.name });
    const combo = combobox({ id: 'unit', name: 'unit', label: 'Cơ quan giải quyết', placeholder: 'Gõ tên xã, phường để tìm…', options: units.map(option),
      search: total > units.length ? async (q) => ((await page(q)).items || []).map(option) : undefined });
    const msg = el('div', { class: 'form-errors' });
    const err = el('p', { class: 'field-error', id: 'unit-error', 'aria-live': 'polite' });
    combo.input.id = 'unit';
    combo.input.setAttribute('aria-describedby', 'unit-hint unit-error');
    const field = el('div', { class: 'field' },
      el('label', { for: 'unit' }, 'Cơ quan giải quyết', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
      el('span', { class: 'hint', id: 'unit-hint' }, `${total} cơ quan tiếp nhận thủ tục này. Gõ tên để tìm nhanh, ví dụ: “Hạc Thành”.`),
      err, combo.root);
    const btn = el('button', { class: 'btn btn-large btn-block', type: 'submit', id: 'start' }, 'Nộp hồ sơ trực tuyến');
    const form = el('form', { novalidate: true }, msg, field, btn,
      el('p', { class: 'small muted', style: 'margin-top:10px' }, who ? `Bạn đang đăng nhập với tên ${who.full_name || who.citizen_id}.` : 'Bạn cần đăng nhập bằng tài khoản công dân để nộp hồ sơ.'));
    combo.onChange((o) => { if (o) { err.textContent = ''; field.classList.remove('has-error'); combo.input.removeAttribute('aria-invalid'); } });
    const pre = param('dv');
    if (pre && units.some((u) => u.code === pre)) combo.set(pre);
    else if (pre && total > units.length) api.get(`/units/${api.seg(pre)}`).then((u) => combo.choose(option(u)), () => {});
    else if (units.length === 1) combo.set(units[0].code);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!combo.value) {
        field.classList.add('has-error');
        err.textContent = 'Vui lòng chọn cơ quan giải quyết';
        combo.input.setAttribute('aria-invalid', 'true');
        combo.input.focus();
        return;
      }
      const account = await api.me();
      if (!account) {
        location.href = pageUrl('dang-nhap', { next: pageUrl('thu-tuc', { ma: p.code, dv: combo.value }) });
        return;
      }
      const restore = busy(btn, 'Đang tạo hồ sơ…');
      try {
        const d = await api.post('/dossiers', { procedure_code: p.code, unit_code: combo.value });
        location.href = pageUrl('nop-ho-so', { id: d.id });
      } catch (ex) {
        restore();
        if (ex.status === 401) { goLogin(); return; }
        showAlert(msg, 'error', 'Không tạo được hồ sơ', el('p', {}, ex.message)).focus();
      }
    });
    render(body, form);
  })();
  return card;
}

async function init() {
  const whoP = initLayout('index#thu-tuc');
  const content = $('#content');
  if (!code) { pageError(content, { status: 404, message: 'Thiếu mã thủ tục.' }, el('p', {}, el('a', { href: '/#thu-tuc' }, 'Xem danh mục thủ tục'))); return; }
  render(content, loading('Đang tải thông tin thủ tục…'));
  let p;
  try {
    p = await api.get(`/procedures/${api.seg(code)}`);
  } catch (err) {
    pageError(content, err, el('p', {}, el('a', { href: '/#thu-tuc' }, 'Quay lại danh mục thủ tục')));
    return;
  }
  document.title = `${p.name} – Cổng dịch vụ công tỉnh Thanh Hóa`;
  $('#proc-name').textContent = p.name;
  $('#crumb').textContent = p.name;
  render($('#proc-badges'), levelBadges(p), p.field ? el('span', { class: 'badge badge-neutral' }, p.field) : null);
  const who = await whoP;
  const main = el('div', {},
    el('section', { class: 'card', 'aria-labelledby': 'info-title' },
      el('div', { class: 'card-title' }, el('h2', { id: 'info-title' }, 'Thông tin thủ tục')), facts(p)),
    el('section', { class: 'card', 'aria-labelledby': 'docs-title' },
      el('div', { class: 'card-title' }, el('h2', { id: 'docs-title' }, 'Thành phần hồ sơ')),
      docsTable(p.documents),
      el('p', { class: 'small muted mb-0', style: 'margin-top:10px' }, 'Khi nộp trực tuyến, giấy tờ được đính kèm dưới dạng tệp PDF hoặc ảnh chụp (JPEG, PNG), tối đa 10 MB mỗi tệp.')));
  render(content, el('div', { class: 'grid-2' }, main, el('div', {}, await applyCard(p, who))));
  const jump = $('#jump-apply');
  jump.hidden = false;
  jump.addEventListener('click', (e) => { e.preventDefault(); $('#apply').scrollIntoView({ behavior: 'smooth' }); });
}

init();
