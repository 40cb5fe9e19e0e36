// Public verification of an issued document (/xac-thuc/{public_id}, the target of the QR
// code printed on every signed PDF): what it is, who signed it and when, whether the
// signatures hold now, a link to the original; and a PDF the visitor has, compared with it.
// /xac-thuc without an id asks for the id and still checks any PDF. No login.

import { $, el, render, initLayout, formatDateTime, formatSize, loading, alertBox, showFieldErrors, clearErrors, busy } from './ui.js';

const API = '/api/v1/verify';
const MAX_BYTES = 20 * 1024 * 1024;
const ID_RE = /^[a-z2-7]{20}$/;

/** The id in the path, lower case, or '' (no id); null when the segment is not an id. */
function pathId() {
  const m = /^\/xac-thuc\/([^/]+)$/.exec(location.pathname);
  if (!m) return '';
  let seg;
  try { seg = decodeURIComponent(m[1]).toLowerCase(); } catch { return null; }
  return ID_RE.test(seg) ? seg : null;
}

async function getJson(url, opts) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }, ...opts });
  } catch {
    throw Object.assign(new Error('Không kết nối được tới máy chủ. Vui lòng kiểm tra kết nối mạng và thử lại.'), { status: 0 });
  }
  let body = null;
  if ((res.headers.get('content-type') || '').includes('json')) {
    try { body = await res.json(); } catch { body = null; }
  }
  if (!res.ok) {
    const e = (body && body.error) || {};
    throw Object.assign(new Error(e.message || 'Hệ thống đang gặp sự cố. Vui lòng thử lại sau.'), { status: res.status, code: e.code });
  }
  return body;
}

/* ---------------- pieces ---------------- */

const fact = (label, ...value) => el('div', {}, el('dt', {}, label), el('dd', {}, ...value));

/** The verdict, large: green for valid, red otherwise. */
function verdictBox(v, id) {
  const good = v.valid === true;
  return el('div', { class: 'verdict ' + (good ? 'verdict-ok' : 'verdict-bad'), id, 'data-verdict': v.verdict },
    el('span', { class: 'verdict-mark', 'aria-hidden': 'true' }, good ? '✓' : '✗'),
    el('div', {},
      el('p', { class: 'verdict-label' }, v.label),
      el('p', { class: 'verdict-summary' }, v.summary)));
}

function signatureItem(s, i) {
  const good = s.label === 'Hợp lệ';
  const who = s.signer || 'Không rõ người ký';
  const ts = s.timestamp
    ? [s.timestamp_label, ': ', formatDateTime(s.timestamp.time), s.timestamp.tsa ? el('span', { class: 'muted' }, ` (${s.timestamp.tsa})`) : null]
    : [s.timestamp_label];
  const covers = s.whole_file
    ? 'Toàn bộ tệp'
    : `Phiên bản thứ ${s.revision} của tệp (${formatSize(s.covered_bytes)}), không bao trùm toàn bộ tệp`;
  return el('li', { class: 'sig', 'data-status': s.status },
    el('div', { class: 'sig-head' },
      el('h3', { class: 'sig-who' }, `${i + 1}. ${who}`),
      el('span', { class: 'badge ' + (good ? 'badge-full' : 'badge-bad') }, s.label)),
    el('p', { class: 'sig-summary' }, s.summary),
    el('dl', { class: 'facts' },
      s.organisation && s.organisation !== s.signer ? fact('Cơ quan, tổ chức', s.organisation) : null,
      fact('Thời điểm ký', s.signing_time ? formatDateTime(s.signing_time) : 'Không rõ',
        s.time_source_label ? el('span', { class: 'muted' }, ` (${s.time_source_label})`) : null),
      fact('Dấu thời gian', ...ts),
      fact('Phạm vi chữ ký', covers),
      s.reason ? fact('Lý do ký', s.reason) : null,
      s.location ? fact('Nơi ký', s.location) : null,
      fact('Chứng thư số', s.serial ? ['Số hiệu ', el('span', { class: 'mono small' }, s.serial)] : '—',
        s.issuer ? el('span', { class: 'muted small sig-issuer' }, `Cấp bởi: ${s.issuer}`) : null)));
}

function signatureList(v) {
  if (!v.signatures || !v.signatures.length) return el('p', { class: 'muted' }, 'Tệp không có chữ ký số nào.');
  return el('ol', { class: 'sig-list' }, v.signatures.map(signatureItem));
}

/* ---------------- the document ---------------- */

function documentCard(d) {
  const v = d.verification;
  const issued = d.state === 'signed' || d.state === 'awaiting_timestamp';
  const dossier = d.dossier;
  return el('section', { class: 'card verify-doc', id: 'doc', 'aria-labelledby': 'doc-title', 'data-state': d.state },
    el('div', { class: 'card-title' }, el('h2', { id: 'doc-title' }, d.title)),
    v ? verdictBox(v, 'verdict') : null,
    !issued ? alertBox(d.state === 'pending' ? 'info' : 'warn', d.state_label, el('p', {}, d.message)) : null,
    el('dl', { class: 'facts' },
      fact('Loại văn bản', d.kind_name),
      fact('Cơ quan ban hành', d.unit.name),
      dossier && dossier.code ? fact('Hồ sơ', el('a', { href: '/tra-cuu?ma=' + encodeURIComponent(dossier.code), class: 'mono' }, dossier.code)) : null,
      dossier && dossier.procedure ? fact('Thủ tục hành chính', dossier.procedure.name) : null,
      fact('Tình trạng', d.state_label),
      fact('Ngày phát hành', formatDateTime(d.issued_at)),
      issued ? fact('Ngày ký số', formatDateTime(d.signed_at)) : null,
      // What the file shows wins over what the record says.
      issued ? fact('Gắn dấu thời gian', d.timestamped_at && (!v || v.timestamped) ? formatDateTime(d.timestamped_at) : 'Chưa có dấu thời gian') : null,
      fact('Mã xác thực', el('span', { class: 'mono' }, d.public_id)),
      issued ? fact('Mã băm SHA-256', el('span', { class: 'mono small hash' }, d.sha256)) : null,
      issued ? fact('Dung lượng', formatSize(d.size)) : null),
    d.file_url ? el('p', { class: 'btn-row' },
      el('a', { class: 'btn btn-secondary', href: d.file_url, id: 'download', type: 'application/pdf' }, 'Xem, tải bản gốc (PDF)')) : null,
    v ? [el('h3', { class: 'sigs-title' }, 'Chữ ký số trên văn bản'), signatureList(v)] : null);
}

async function showDocument(id) {
  const out = $('#document');
  render(out, loading('Đang xác thực văn bản…'));
  try {
    const d = await getJson(`${API}/${id}`);
    render(out, documentCard(d));
    document.title = `${d.title} – Xác thực văn bản điện tử – Cổng dịch vụ công tỉnh Thanh Hóa`;
    return d;
  } catch (err) {
    render(out, err.status === 404
      ? alertBox('warn', 'Không tìm thấy văn bản', el('p', {}, 'Mã xác thực không đúng hoặc không có văn bản nào mang mã này. Vui lòng kiểm tra lại mã in trên văn bản, hoặc quét lại mã QR.'))
      : alertBox('error', 'Không xác thực được văn bản', el('p', {}, err.message)));
    return null;
  }
}

/* ---------------- comparing a file ---------------- */

function checkResult(c, file) {
  const v = c.upload.verification;
  const good = c.same_file && v.valid;
  const title = good ? 'Tệp trùng khớp với bản gốc và còn nguyên vẹn'
    : c.same_file ? 'Tệp trùng khớp với bản gốc'
      : c.relation === 'unknown' ? 'Tệp không phải văn bản do hệ thống phát hành'
        : c.relation === 'earlier_version' ? 'Tệp là phiên bản trước của văn bản đã phát hành'
          : c.relation === 'extended' ? 'Không phải bản gốc: tệp đã bị thêm nội dung'
            : 'Không phải bản gốc';
  return el('div', { class: 'check-result', id: 'check-outcome', 'data-same': String(c.same_file), 'data-relation': c.relation },
    alertBox(good ? 'success' : c.same_file || c.relation === 'earlier_version' ? 'warn' : 'error', title,
      el('p', { id: 'check-message' }, c.message),
      c.document && !pathId() ? el('p', {}, 'Văn bản: ', el('a', { href: '/xac-thuc/' + c.document.public_id }, c.document.title)) : null),
    el('h3', {}, 'Chữ ký số trong tệp bạn chọn'),
    verdictBox(v, 'check-verdict'),
    el('dl', { class: 'facts' },
      fact('Tệp', file.name),
      fact('Dung lượng', formatSize(c.upload.size)),
      fact('Mã băm SHA-256', el('span', { class: 'mono small hash' }, c.upload.sha256))),
    signatureList(v));
}

async function checkFile(form, id) {
  const input = $('#file', form);
  const out = $('#check-result');
  const file = input.files && input.files[0];
  clearErrors(form);
  if (!file) { showFieldErrors(form, [{ field: 'file', message: 'Vui lòng chọn một tệp PDF' }]); return; }
  if (file.size > MAX_BYTES) { showFieldErrors(form, [{ field: 'file', message: 'Tệp quá lớn: chỉ kiểm tra được tệp PDF đến 20 MB' }]); return; }
  if (file.size === 0) { showFieldErrors(form, [{ field: 'file', message: 'Tệp rỗng' }]); return; }
  const restore = busy($('#check-submit', form), 'Đang kiểm tra…');
  render(out, loading('Đang kiểm tra tệp…'));
  try {
    const c = await getJson(id ? `${API}/${id}` : API, { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/pdf' }, body: file });
    render(out, checkResult(c, file));
  } catch (err) {
    render(out, alertBox('error', 'Không kiểm tra được tệp', el('p', {}, err.message)));
  } finally {
    restore();
  }
}

/* ---------------- the page ---------------- */

function init() {
  initLayout('xac-thuc');
  const id = pathId();
  if (id === null) {
    render($('#document'), alertBox('warn', 'Mã xác thực không hợp lệ', el('p', {}, 'Địa chỉ này không chứa một mã xác thực đúng (20 ký tự chữ và số). Vui lòng kiểm tra lại địa chỉ, hoặc quét lại mã QR trên văn bản.')));
  } else if (id) {
    showDocument(id);
  }
  if (!id) {
    const lookup = $('#lookup-card');
    lookup.hidden = false;
    const form = $('#lookup-form');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = form.ma.value.trim().toLowerCase();
      if (!ID_RE.test(v)) { showFieldErrors(form, [{ field: 'ma', message: 'Mã xác thực gồm 20 ký tự: chữ a–z và số 2–7' }]); return; }
      location.href = '/xac-thuc/' + v;
    });
    $('#check-title').textContent = 'Kiểm tra một tệp PDF bất kỳ';
  }
  const check = $('#check-form');
  check.addEventListener('submit', (e) => { e.preventDefault(); checkFile(check, id || ''); });
}

init();
