#!/usr/bin/env node
// Writes data/units-thanh-hoa-don-vi.csv, the generated part of the demo's unit tree: the
// sub-departments (chi cục, phòng) and public service units of the departments, and under each
// commune its one-stop centre, its two offices (phòng) and its public service units (schools, a
// health station). It reads data/units-thanh-hoa.csv (the province, departments and communes,
// kept by hand) for the parents' codes and the communes' names.
//
// Every generated unit has a demo code in the QĐ 20/2020 pattern V1V2V3.Z1Z2.Y1Y2.H56, one
// level below its parent: under a department 000.YY.H56 -> 000.NN.YY.H56 (NN = 01, 02, ...);
// under a commune 000.NN.9X.H56 -> VVV.NN.9X.H56 (VVV = 001, 002, ...). Names follow the usual
// Vietnamese patterns ("Trường Tiểu học Hạc Thành", "Trạm Y tế phường Hạc Thành"); they are
// generated, not taken from a list of real units.
//
// Usage: node tools/gen-units.mjs            (writes the file)
//        node tools/gen-units.mjs --check    (exit 1 if the committed file differs)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const BASE = path.join(ROOT, 'data/units-thanh-hoa.csv');
const OUT = path.join(ROOT, 'data/units-thanh-hoa-don-vi.csv');

/** RFC 4180 lines: fields split on commas outside quotes. */
function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') { f.push(cur); cur = ''; } else cur += ch;
    }
    f.push(cur);
    rows.push(f);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

const csvField = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Initials of a place name without its diacritics, Đ kept: "Hạc Thành" -> "HT", "Đông Sơn" -> "ĐS". */
function initials(name) {
  return name.split(/\s+/).filter(Boolean).map((w) => {
    const c = w[0].toUpperCase();
    return c === 'Đ' ? c : c.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }).join('');
}

// The departments' own sub-units, by the department's code. [kind, name, abbreviation]; a
// name without "tỉnh Thanh Hóa" is completed: an office (phòng) with its department's name, the
// department's own office ("Văn phòng Sở") as "Văn phòng Sở Tư pháp tỉnh Thanh Hóa", any other
// with "tỉnh Thanh Hóa" ("Chi cục Kiểm lâm tỉnh Thanh Hóa"). The structure follows the usual organisation of a department after the 2025
// reorganisation; the names are the generic ones such bodies carry.
const DEPARTMENT_UNITS = {
  '000.00.01.H56': [
    ['phong', 'Phòng Tổng hợp', 'PTH'], ['phong', 'Phòng Kinh tế ngành', 'PKTN'],
    ['phong', 'Phòng Khoa giáo, Văn xã', 'PKGVX'], ['phong', 'Phòng Nội chính', 'PNC'],
    ['phong', 'Phòng Hành chính, Tổ chức', 'PHCTC'], ['phong', 'Phòng Quản trị, Tài vụ', 'PQTTV'],
    ['don_vi_su_nghiep', 'Trung tâm Thông tin – Công báo', 'TTTTCB'],
  ],
  '000.00.02.H56': [
    ['phong', 'Phòng Hành chính, Tổng hợp', 'PHCTH'], ['phong', 'Phòng Tiếp nhận và Trả kết quả', 'PTNTKQ'],
    ['phong', 'Phòng Giám sát, Đánh giá', 'PGSĐG'],
  ],
  '000.00.03.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Xây dựng, kiểm tra và theo dõi thi hành pháp luật', 'PXDKT'],
    ['phong', 'Phòng Hành chính tư pháp', 'PHCTP'], ['phong', 'Phòng Bổ trợ tư pháp', 'PBTTP'],
    ['don_vi_su_nghiep', 'Trung tâm Trợ giúp pháp lý nhà nước', 'TTTGPL'],
  ],
  '000.00.04.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Quản lý ngân sách', 'PQLNS'],
    ['phong', 'Phòng Quản lý giá và công sản', 'PQLGCS'], ['phong', 'Phòng Tài chính đầu tư', 'PTCĐT'],
    ['phong', 'Phòng Đăng ký kinh doanh', 'PĐKKD'], ['phong', 'Phòng Tổng hợp, quy hoạch', 'PTHQH'],
  ],
  '000.00.05.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Tổ chức, biên chế', 'PTCBC'],
    ['phong', 'Phòng Xây dựng chính quyền', 'PXDCQ'], ['phong', 'Phòng Lao động, Việc làm', 'PLĐVL'],
    ['phong', 'Phòng Người có công', 'PNCC'], ['chi_cuc', 'Ban Thi đua – Khen thưởng', 'BTĐKT'],
    ['don_vi_su_nghiep', 'Trung tâm Lưu trữ lịch sử', 'TTLTLS'],
  ],
  '000.00.06.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Quản lý xây dựng', 'PQLXD'],
    ['phong', 'Phòng Quy hoạch, Kiến trúc', 'PQHKT'], ['phong', 'Phòng Quản lý vận tải', 'PQLVT'],
    ['phong', 'Phòng Quản lý kết cấu hạ tầng giao thông', 'PKCHT'],
  ],
  '000.00.07.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['chi_cuc', 'Chi cục Kiểm lâm', 'CCKL'],
    ['chi_cuc', 'Chi cục Thủy lợi', 'CCTL'], ['chi_cuc', 'Chi cục Trồng trọt và Bảo vệ thực vật', 'CCTTBVTV'],
    ['chi_cuc', 'Chi cục Chăn nuôi và Thú y', 'CCCNTY'], ['chi_cuc', 'Chi cục Thủy sản', 'CCTS'],
    ['chi_cuc', 'Chi cục Quản lý đất đai', 'CCQLĐĐ'], ['chi_cuc', 'Chi cục Bảo vệ môi trường', 'CCBVMT'],
    ['don_vi_su_nghiep', 'Văn phòng Đăng ký đất đai', 'VPĐKĐĐ'],
  ],
  '000.00.08.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Quản lý khoa học', 'PQLKH'],
    ['phong', 'Phòng Chuyển đổi số', 'PCĐS'], ['chi_cuc', 'Chi cục Tiêu chuẩn Đo lường Chất lượng', 'CCTĐC'],
  ],
  '000.00.09.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Quản lý thương mại', 'PQLTM'],
    ['phong', 'Phòng Quản lý công nghiệp', 'PQLCN'], ['phong', 'Phòng Quản lý năng lượng', 'PQLNL'],
  ],
  '000.00.10.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Giáo dục phổ thông', 'PGDPT'],
    ['phong', 'Phòng Giáo dục mầm non', 'PGDMN'], ['phong', 'Phòng Giáo dục nghề nghiệp', 'PGDNN'],
    ['phong', 'Phòng Khảo thí và Kiểm định chất lượng', 'PKTKĐ'],
    ['truong_cao_dang', 'Trường Cao đẳng Sư phạm tỉnh Thanh Hóa', 'CĐSP'],
    ['truong_cao_dang', 'Trường Cao đẳng Nghề tỉnh Thanh Hóa', 'CĐN'],
    ['truong_cao_dang', 'Trường Cao đẳng Kỹ thuật Công nghiệp tỉnh Thanh Hóa', 'CĐKTCN'],
    ['truong_cao_dang', 'Trường Cao đẳng Nông Lâm tỉnh Thanh Hóa', 'CĐNL'],
  ],
  '000.00.11.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Nghiệp vụ Y', 'PNVY'],
    ['phong', 'Phòng Nghiệp vụ Dược', 'PNVD'], ['chi_cuc', 'Chi cục Dân số', 'CCDS'],
    ['chi_cuc', 'Chi cục An toàn vệ sinh thực phẩm', 'CCATVSTP'],
    ['benh_vien', 'Bệnh viện Đa khoa tỉnh Thanh Hóa', 'BVĐK'], ['benh_vien', 'Bệnh viện Nhi tỉnh Thanh Hóa', 'BVN'],
    ['benh_vien', 'Bệnh viện Phụ sản tỉnh Thanh Hóa', 'BVPS'], ['benh_vien', 'Bệnh viện Y dược cổ truyền tỉnh Thanh Hóa', 'BVYDCT'],
    ['benh_vien', 'Bệnh viện Phổi tỉnh Thanh Hóa', 'BVP'], ['benh_vien', 'Bệnh viện Tâm thần tỉnh Thanh Hóa', 'BVTT'],
    ['benh_vien', 'Bệnh viện Mắt tỉnh Thanh Hóa', 'BVM'], ['benh_vien', 'Bệnh viện Nội tiết tỉnh Thanh Hóa', 'BVNT'],
    ['benh_vien', 'Bệnh viện Ung bướu tỉnh Thanh Hóa', 'BVUB'], ['benh_vien', 'Bệnh viện Da liễu tỉnh Thanh Hóa', 'BVDL'],
    ['benh_vien', 'Bệnh viện Phục hồi chức năng tỉnh Thanh Hóa', 'BVPHCN'],
    ['don_vi_su_nghiep', 'Trung tâm Kiểm soát bệnh tật tỉnh Thanh Hóa', 'CDC'],
    ['truong_cao_dang', 'Trường Cao đẳng Y tế tỉnh Thanh Hóa', 'CĐYT'],
  ],
  '000.00.12.H56': [
    ['van_phong', 'Văn phòng Sở', 'VP'], ['phong', 'Phòng Quản lý văn hóa', 'PQLVH'],
    ['phong', 'Phòng Quản lý thể dục thể thao', 'PQLTDTT'], ['phong', 'Phòng Quản lý du lịch', 'PQLDL'],
    ['don_vi_su_nghiep', 'Bảo tàng tỉnh Thanh Hóa', 'BT'], ['don_vi_su_nghiep', 'Thư viện tỉnh Thanh Hóa', 'TV'],
  ],
  '000.00.13.H56': [
    ['van_phong', 'Văn phòng Thanh tra', 'VP'], ['phong', 'Phòng Nghiệp vụ 1', 'PNV1'],
    ['phong', 'Phòng Nghiệp vụ 2', 'PNV2'], ['phong', 'Phòng Nghiệp vụ 3', 'PNV3'],
    ['phong', 'Phòng Tiếp công dân và Xử lý đơn thư', 'PTCD'],
  ],
};

// A unit's name is the CN and O of its demo seal's certificate, where X.509 allows at most 64
// characters (RFC 5280, ub-common-name, ub-organization-name): a longer name could get no seal.
const NAME_MAX = 64;
const fits = (name) => [...name].length <= NAME_MAX;

function departmentRows(dept) {
  const list = DEPARTMENT_UNITS[dept.code] || [];
  const [, , yy] = dept.code.split('.');
  return list.map(([kind, name, abbreviation], i) => {
    const short = dept.name.replace(/ tỉnh Thanh Hóa$/, '');
    const full = /tỉnh Thanh Hóa$/.test(name) ? name
      : name === 'Văn phòng Sở' ? `Văn phòng ${dept.name}`
        : kind === 'phong' ? [`${name} – ${dept.name}`, `${name} – ${short}`, `${name} – ${dept.abbreviation}`].find(fits)
          : `${name} tỉnh Thanh Hóa`;
    return { code: `000.${String(i + 1).padStart(2, '0')}.${yy}.H56`, name: full, level: 'office', parent_code: dept.code, abbreviation, kind };
  });
}

// Under each commune: its one-stop centre and two offices (the commune government's structure
// since July 2025), a kindergarten, one primary school (two in a phường), a lower-secondary school
// and a health station.
function communeRows(c) {
  const ward = c.name.startsWith('Phường ');
  const place = c.name.replace(/^(Phường|Xã) /, '');
  const of = `${ward ? 'phường' : 'xã'} ${place}`;
  const ini = initials(place);
  const units = [
    ['trung_tam_hcc', `Trung tâm Phục vụ hành chính công ${of}`, 'TTPVHCC'],
    ['phong', ward ? `Phòng Kinh tế, Hạ tầng và Đô thị ${of}` : `Phòng Kinh tế ${of}`, ward ? 'PKTHTĐT' : 'PKT'],
    ['phong', `Phòng Văn hóa – Xã hội ${of}`, 'PVHXH'],
    ['truong_mam_non', `Trường Mầm non ${place}`, `MN${ini}`],
    ...(ward
      ? [['truong_tieu_hoc', `Trường Tiểu học ${place} 1`, `TH${ini}1`], ['truong_tieu_hoc', `Trường Tiểu học ${place} 2`, `TH${ini}2`]]
      : [['truong_tieu_hoc', `Trường Tiểu học ${place}`, `TH${ini}`]]),
    ['truong_thcs', `Trường Trung học cơ sở ${place}`, `THCS${ini}`],
    ['tram_y_te', `Trạm Y tế ${of}`, 'TYT'],
  ];
  const [, nn, yy] = c.code.split('.');
  return units.map(([kind, name, abbreviation], i) => ({
    code: `${String(i + 1).padStart(3, '0')}.${nn}.${yy}.H56`, name, level: 'office', parent_code: c.code, abbreviation, kind,
  }));
}

const base = parseCsv(fs.readFileSync(BASE, 'utf8'));
const rows = [
  ...base.filter((u) => u.level === 'department').flatMap(departmentRows),
  ...base.filter((u) => u.level === 'commune').flatMap(communeRows),
];
const seen = new Set(base.map((u) => u.code));
for (const r of rows) {
  if (seen.has(r.code)) throw new Error(`duplicate code ${r.code}`);
  if (!r.name || !fits(r.name)) throw new Error(`${r.code}: the name "${r.name}" is longer than ${NAME_MAX} characters`);
  if (!/^\d{3}\.\d\d\.\d\d\.H56$/.test(r.code)) throw new Error(`bad code ${r.code}`);
  if (Buffer.byteLength(r.abbreviation) > 24 || !/^[\p{L}\d]+$/u.test(r.abbreviation)) throw new Error(`bad abbreviation ${r.abbreviation}`);
  seen.add(r.code);
}
const text = ['code,name,level,parent_code,demo_code,abbreviation,kind',
  ...rows.map((r) => [r.code, r.name, r.level, r.parent_code, '1', r.abbreviation, r.kind].map(csvField).join(','))].join('\n') + '\n';

if (process.argv.includes('--check')) {
  const now = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (now !== text) { console.error(`${path.relative(ROOT, OUT)} is not what tools/gen-units.mjs writes: run it`); process.exit(1); }
  console.log(`${path.relative(ROOT, OUT)}: ${rows.length} units, up to date`);
} else {
  fs.writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(ROOT, OUT)}: ${rows.length} units (${base.length + rows.length} with ${path.relative(ROOT, BASE)})`);
}
